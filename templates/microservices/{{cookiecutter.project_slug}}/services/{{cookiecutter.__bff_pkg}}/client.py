{% with pkg=cookiecutter.__bff_pkg %}{% include 'resilient_client.py.j2' %}{% endwith %}
