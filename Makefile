# safeq.preflight: two commands do everything on a fresh machine.
#   make demo   local lab (simulated CML nodes, real slapd, SQL Browser responder) + full playbook + report
#   make test   unit, functional (real parts), ansible-test sanity and units, ansible-lint, PowerShell syntax gate

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
# Second leg: the newest ansible-core on Python 3.12 (pyenv's when there is one).
NEWEST_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3.12)
NEWEST_VENV ?= .venv-newest
BUILD ?= $(CURDIR)/tests/output/build
ANSIBLE_TEST_ROOT := $(BUILD)/ansible_collections/safeq/preflight
PIP_STANDIN_VERSIONS ?= 24_2 25_2  # the pip bootstraps of ansible-test 2.19 and 2.21
APT_PACKAGES := $(shell sed -e 's/\#.*//' tests/requirements-apt.txt)

.PHONY: help venv system-deps demo demo-waived test test-newest seed-check unit functional sanity units lint changelog-lint collection-copy catalogue-json clean \
	windows-collection

help:
	@echo "make demo    run the local lab and the full pre-installation check (report in ./reports)"
	@echo "make test    run every test, sanity check and linter"

$(VENV)/.installed: requirements.txt requirements-test.txt requirements-test-tools.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

# Debian packages the lab and the functional tests use (real slapd, Samba AD DC, snmpd, nmap, FreeTDS, Chromium ...).
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: venv system-deps
	$(PY) tests/lab/demo.py $(DEMO_ARGS)

# The same run with the waivers that README.md shows (exits 0).
demo-waived: venv system-deps
	$(PY) tests/lab/demo.py --waivers tests/lab/demo/waivers.yml $(DEMO_ARGS)

# The unit tests run once per core leg, through ansible-test units (make unit runs them with plain pytest while developing).
test: venv system-deps seed-check functional lint changelog-lint sanity units test-newest

$(NEWEST_VENV)/.installed: requirements.txt requirements-newest.txt requirements-test-tools.txt
	$(NEWEST_PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NEWEST_VENV)/bin/python -m pip install --quiet -r requirements-newest.txt
	touch $@

# The newest core on Python 3.12: the functional tests that drive ansible itself (playbooks, ansible-doc, the WinRM
# simulation's module protocol), ansible-test sanity and units (the unit tests).
NEWEST_FUNCTIONAL := tests/functional/test_ansible_doc.py tests/functional/test_playbook_end_to_end.py tests/functional/test_winrm_sim.py \
	tests/functional/test_winrm_sim_async.py tests/functional/test_psrp_sim.py tests/functional/test_fidelity_profiles.py \
	tests/functional/test_port_check_input.py tests/functional/test_port_targets_playbook.py
test-newest: $(NEWEST_VENV)/.installed system-deps collection-copy windows-collection
	$(NEWEST_VENV)/bin/ansible --version | head -1
	$(NEWEST_VENV)/bin/python -m pytest -q -p no:cacheprovider $(NEWEST_FUNCTIONAL)
	cd $(ANSIBLE_TEST_ROOT) && PATH=$(abspath $(NEWEST_VENV))/bin:$$PATH ansible-test sanity --venv --python 3.12 --skip-test pslint --color no
	cd $(ANSIBLE_TEST_ROOT) && PATH=$(abspath $(NEWEST_VENV))/bin:$$PATH ansible-test units --venv --python 3.12 --color no

# ansible-test units runs on a copy of the collection, where the shared seed may not be found: this one test (the
# catalogue's copy of the checklist is the seed) runs here, and here a missing seed fails. The seed is SAFEQ_SEED when
# set, else shared/seed/safeq-cml-preinstall-checklist.txt in the checkout or a directory above it.
SAFEQ_SEED_REQUIRED ?= 1
seed-check: venv
	SAFEQ_SEED_REQUIRED=$(SAFEQ_SEED_REQUIRED) $(PY) -m pytest -q -p no:cacheprovider tests/unit/plugins/plugin_utils/test_catalogue.py -k seed

# The catalogue's JSON copy (plugins/plugin_utils/catalogue.json), which every Ansible worker loads instead of the YAML
# (_catalogue._read); run after editing catalogue.yml (a stale copy is ignored, and a unit test fails until it is rewritten).
catalogue-json: venv
	$(PY) -c "import sys; sys.path.insert(0, '.'); from tests.lab import collection; \
	open(collection.catalogue.json_path(collection.catalogue.DEFAULT_PATH), 'w', encoding='utf-8').write(collection.catalogue.json_copy())"

unit: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

# ansible.windows (async_status: how Ansible polls async tasks on Windows) from the ansible wheel on PyPI, extracted
# alone into tests/output/windows-collection (tests/requirements-windows-collection.txt; never copied into the repo).
windows-collection: venv
	$(PY) tests/lab/windows_collection.py

functional: venv system-deps windows-collection
	$(PY) -m pytest -q -p no:cacheprovider tests/functional

lint: venv collection-copy
	cd $(ANSIBLE_TEST_ROOT) && ANSIBLE_COLLECTIONS_PATH=$(BUILD) $(abspath $(VENV))/bin/ansible-lint --offline --profile production

changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint

# ansible-test needs the collection at .../ansible_collections/safeq/preflight (a real copy, not a symlink),
# and an offline stand-in for its pip bootstrap (see tests/utils/get_pip_standin.py).
collection-copy:
	rm -rf $(BUILD) && mkdir -p $(ANSIBLE_TEST_ROOT)
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(ANSIBLE_TEST_ROOT)
	cd $(ANSIBLE_TEST_ROOT) && git init -q && git add -A >/dev/null
	mkdir -p $(HOME)/.ansible/test/cache
	for v in $(PIP_STANDIN_VERSIONS); do cp tests/utils/get_pip_standin.py $(HOME)/.ansible/test/cache/get_pip_$$v.py; done

sanity: venv collection-copy
	cd $(ANSIBLE_TEST_ROOT) && PATH=$(abspath $(VENV))/bin:$$PATH ansible-test sanity --venv --python 3.11 --skip-test pslint --color no

units: venv collection-copy
	cd $(ANSIBLE_TEST_ROOT) && PATH=$(abspath $(VENV))/bin:$$PATH ansible-test units --venv --python 3.11 --color no

clean:
	rm -rf $(BUILD) reports collections .pytest_cache $(NEWEST_VENV)
