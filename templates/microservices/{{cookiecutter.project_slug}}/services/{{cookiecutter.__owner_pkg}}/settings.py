{% with service_pkg=cookiecutter.__owner_pkg, with_owner_url=false, with_db=true, with_body_limit=true, api_side='owner' %}{% include 'settings.py.j2' %}{% endwith -%}
