{% with pkg=cookiecutter.__owner_pkg %}{% include 'outage.py.j2' %}{% endwith -%}
