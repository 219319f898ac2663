{% include 'db.py.j2' -%}
