{% with service_pkg=cookiecutter.__consumer_pkg, with_db=cookiecutter.__event, with_owner_url=(cookiecutter.__client or cookiecutter.__replica) %}{% include 'settings.py.j2' %}{% endwith -%}
