{% with pkg=cookiecutter.__consumer_pkg %}{% include 'resilient_client.py.j2' %}{% endwith %}
