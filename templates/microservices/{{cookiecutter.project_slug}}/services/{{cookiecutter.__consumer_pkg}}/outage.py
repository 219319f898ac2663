{% with pkg=cookiecutter.__consumer_pkg %}{% include 'outage.py.j2' %}{% endwith -%}
