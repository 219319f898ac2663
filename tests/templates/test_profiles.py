"""A broker is one entry in the template's broker table plus one folder of partials.

The names agree everywhere (cookiecutter's choices, the table, the partial folders), every
folder holds the same partials, and no template outside the profiles names a broker.
"""

from __future__ import annotations

import json
import re

from tests.support.projects import TEMPLATE, broker_profiles

PARTIALS = TEMPLATE / "templates" / "brokers"
#: Jinja statements and expressions: where a broker's name would make a condition.
JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)


def test_cookiecutter_choices_the_table_and_the_partial_folders_name_the_same_brokers() -> None:
    choices = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))["broker"]
    folders = sorted(p.name for p in PARTIALS.iterdir() if p.is_dir())
    assert choices == list(broker_profiles())
    assert sorted(choices) == folders


def test_every_broker_has_the_same_partials_and_the_same_profile_keys() -> None:
    profiles = broker_profiles()
    files = {name: sorted(p.name for p in (PARTIALS / name).iterdir()) for name in profiles}
    keys = {name: sorted(profile) for name, profile in profiles.items()}
    first = next(iter(profiles))
    assert files[first]
    for name in profiles:
        assert files[name] == files[first], name
        assert keys[name] == keys[first], name


def test_no_template_outside_the_profiles_names_a_broker_in_its_jinja() -> None:
    names = "|".join(map(re.escape, broker_profiles()))
    quoted = re.compile(rf"""['"]({names})['"]""")
    offenders = []
    for path in sorted(TEMPLATE.rglob("*")):
        if not path.is_file() or PARTIALS in path.parents or path.suffix == ".pyc":
            continue
        text = path.read_text("utf-8")
        for tag in JINJA.findall(text):
            if quoted.search(tag):
                offenders.append(f"{path.relative_to(TEMPLATE)}: {tag[:80]}")
    assert offenders == []


APIS = TEMPLATE / "templates" / "apis"


def test_every_api_transport_is_a_profile_and_a_folder_of_the_same_partials() -> None:
    choices = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))["api"]
    profiles = json.loads((TEMPLATE / "apis.json").read_text("utf-8"))["apis"]
    assert choices == list(profiles)
    assert sorted(choices) == sorted(p.name for p in APIS.iterdir() if p.is_dir())
    files = {name: sorted(p.name for p in (APIS / name).iterdir()) for name in choices}
    keys = {name: sorted(profile) for name, profile in profiles.items()}
    for name in choices:
        assert files[name] == files[choices[0]], name
        assert keys[name] == keys[choices[0]], name


def test_no_template_outside_the_api_profiles_names_an_api_in_its_jinja() -> None:
    names = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))["api"]
    quoted = re.compile(rf"""['"]({"|".join(map(re.escape, names))})['"]""")
    offenders = []
    for path in sorted(TEMPLATE.rglob("*")):
        if not path.is_file() or APIS in path.parents or path.suffix == ".pyc":
            continue
        for tag in JINJA.findall(path.read_text("utf-8")):
            if quoted.search(tag):
                offenders.append(f"{path.relative_to(TEMPLATE)}: {tag[:80]}")
    assert offenders == []
