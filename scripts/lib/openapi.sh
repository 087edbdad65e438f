# Validates the OpenAPI document the `neonhub` binary at $1 prints (openapi-spec-validator, in
# a private virtualenv when the system Python lacks it). Shared by scripts/test.sh and
# scripts/check.sh. Sourced after setup.sh.
validate_openapi() {
  local bin=$1 py=python3 venv=.build/py-venv spec
  if ! "$py" -c 'import openapi_spec_validator' 2>/dev/null; then
    # A private virtualenv: system Pythons (PEP 668) refuse `pip install` outside one.
    if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"; fi
    "$venv/bin/python" -m pip install -q openapi-spec-validator || die "could not install openapi-spec-validator from PyPI"
    py="$venv/bin/python"
  fi
  spec=$(mktemp -t neonhub-openapi.XXXXXX.json)
  "$bin" openapi > "$spec"
  "$py" -m openapi_spec_validator "$spec" || { rm -f "$spec"; die "the OpenAPI document is invalid"; }
  rm -f "$spec"
}
