"""Speaker strings and "Title by Speaker from Org" titles."""
from __future__ import annotations

import pytest

from archive.domain import Speaker
from archive.parse.speakers import looks_like_name, split_speakers, strip_by_suffix


@pytest.mark.parametrize("text, expected", [
    ("Alice Smith and Bob Jones", [("Alice Smith", None), ("Bob Jones", None)]),
    ("Alice Smith, Bob Jones", [("Alice Smith", None), ("Bob Jones", None)]),
    ("Alice Smith, Bob Jones and Carol White", [("Alice Smith", None), ("Bob Jones", None), ("Carol White", None)]),
    ("Alice Smith & Bob Jones", [("Alice Smith", None), ("Bob Jones", None)]),
    ("Augie Fackler and Nathaniel Manista of Google Code",
     [("Augie Fackler", "Google Code"), ("Nathaniel Manista", "Google Code")]),
    ("J.J. Behrens and Mike Solomon of Google", [("J.J. Behrens", "Google"), ("Mike Solomon", "Google")]),
    ("Massimo Di Pierro of DePaul University", [("Massimo Di Pierro", "DePaul University")]),
    ("Fernando Pérez, Min Ragan-Kelley, Brian E. Granger, Thomas Kluyver",
     [("Fernando Pérez", None), ("Min Ragan-Kelley", None), ("Brian E. Granger", None), ("Thomas Kluyver", None)]),
    ("Guido van Rossum", [("Guido van Rossum", None)]),
    ("David Cramer from DISQUS", [("David Cramer", "DISQUS")]),
    ("David Cramer, DISQUS", [("David Cramer", "DISQUS")]),
    ("Jeremiah Jordan from Morningstar, Inc.", [("Jeremiah Jordan", "Morningstar, Inc.")]),
    ("Alice Smith from Acme and Bob Jones from Initech", [("Alice Smith", "Acme"), ("Bob Jones", "Initech")]),
    ("Gary Bernhardt (<http://blog.extracheese.org/> / <https://www.destroyallsoftware.com/>) (@garybernhardt)",
     [("Gary Bernhardt", None)]),
    ("Nathan Yergler (http://yergler.net/) (@nyergler) from Eventbrite", [("Nathan Yergler", "Eventbrite")]),
    ("Fernando Pérez and others", [("Fernando Pérez", None)]),
    ("Brian O'Reilly and Ronald McDonald", [("Brian O'Reilly", None), ("Ronald McDonald", None)]),
])
def test_split_speakers(text, expected):
    assert split_speakers(text) == tuple(Speaker(name, org) for name, org in expected)


@pytest.mark.parametrize("text", ["Google Code", "DISQUS", "", None, "and others", "???"])
def test_organisations_and_noise_are_never_people(text):
    assert split_speakers(text) == ()


@pytest.mark.parametrize("title, expected", [
    ("Stop Mocking, Start Testing by Augie Fackler and Nathaniel Manista from Google Code",
     ("Stop Mocking, Start Testing", "Augie Fackler and Nathaniel Manista from Google Code")),
    ("Speedily Practical Large-Scale Tests with Erik Rose from Votizen",
     ("Speedily Practical Large-Scale Tests", "Erik Rose from Votizen")),
    ("Django Forms Deep Dive - Nathan R. Yergler from EventBrite",
     ("Django Forms Deep Dive", "Nathan R. Yergler from EventBrite")),
    ("Fast test, slow test by Gary Bernhardt from destroyallsoftware.com",
     ("Fast test, slow test", "Gary Bernhardt from destroyallsoftware.com")),
    ("Build reliable, traceable, distributed systems with ZeroMQ (ZeroRPC) by Jérôme Petazzoni from dotCloud",
     ("Build reliable, traceable, distributed systems with ZeroMQ (ZeroRPC)", "Jérôme Petazzoni from dotCloud")),
    ("IPython: Python at your fingertips by Fernando Pérez, Min Ragan-Kelley, Brian E. Granger, Thomas Kluyver",
     ("IPython: Python at your fingertips", "Fernando Pérez, Min Ragan-Kelley, Brian E. Granger, Thomas Kluyver")),
    ("Testing and Django by Carl Meyer", ("Testing and Django", "Carl Meyer")),
    # No speaker suffix: titles stay whole.
    ("Apache Cassandra and Python", ("Apache Cassandra and Python", None)),
    ("PyPy - Current status and GIL-less future", ("PyPy - Current status and GIL-less future", None)),
    ("juju - Service Orchestration and Deployment", ("juju - Service Orchestration and Deployment", None)),
    ("Working with Pandas DataFrames", ("Working with Pandas DataFrames", None)),
    ("Testing by example", ("Testing by example", None)),
    ("Guidelines to writing an API with python", ("Guidelines to writing an API with python", None)),
])
def test_strip_by_suffix(title, expected):
    assert strip_by_suffix(title) == expected


@pytest.mark.parametrize("text, expected", [
    ("Guido van Rossum", True), ("Alex Martelli", True), ("Massimo Di Pierro", True), ("Jens de Smit", True),
    ("Marc-Andre Lemburg", True), ("J.J. Behrens", True),
    ("Logging Module", False), ("Discovering Descriptors", False), ("Advanced Flask Patterns", False),
    ("Making DISQUS Realtime", False), ("Kivy", False), ("The Imaginative Programmer", False),
    ("OpenStack and OpenShift", False), ("Other Stuff", False), ("Google Code", False),
])
def test_looks_like_name(text, expected):
    assert looks_like_name(text) is expected
