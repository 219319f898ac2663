{%- set e = cookiecutter.__entity_snake -%}
{% include 'brokers/' ~ cookiecutter.broker ~ '/owner_messaging.py.j2' -%}
