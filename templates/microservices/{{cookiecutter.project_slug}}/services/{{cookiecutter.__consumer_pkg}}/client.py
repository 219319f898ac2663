{% with pkg=cookiecutter.__consumer_pkg %}{% include 'apis/' ~ cookiecutter.api ~ '/client.py.j2' %}{% endwith %}
