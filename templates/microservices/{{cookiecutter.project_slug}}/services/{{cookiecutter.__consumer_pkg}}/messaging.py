{%- set e = cookiecutter.__entity_snake -%}
{%- set dead_letters = broker_profiles()[cookiecutter.broker].dead_letters.address.format(consumer=cookiecutter.consumer, entity=e) -%}
{% include 'brokers/' ~ cookiecutter.broker ~ '/consumer_messaging.py.j2' -%}