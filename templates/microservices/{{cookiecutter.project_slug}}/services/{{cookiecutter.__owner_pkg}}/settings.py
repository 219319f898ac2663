{% with service_pkg=cookiecutter.__owner_pkg, with_owner_url=false, with_db=true %}{% include 'settings.py.j2' %}{% endwith %}
