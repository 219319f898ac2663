{% with service_pkg=cookiecutter.__bff_pkg, with_db=False, without_broker=True, with_owner_url=True, with_consumer_url=True %}{% include 'settings.py.j2' %}{% endwith -%}
