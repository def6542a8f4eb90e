"""Drives the offline workspace with Python's azure-ai-ml, pointed at it as a custom cloud.

Usage (with `cargo run --features local --example local_workspace` running in another shell):
    REQUESTS_CA_BUNDLE=.azureml/local/ca.pem python scripts/python_local_check.py https://127.0.0.1:PORT
Needs `pip install azure-ai-ml` (benches/compare.sh installs it into build/bench/venv). Covers
environment registration, endpoint create/get/get_keys/list/delete. Model uploads are not
covered: Python uploads them to https://{account}.blob.{suffix}, which does not resolve to loopback.
"""
import os, sys, time
from azure.core.credentials import AccessToken
from azure.ai.ml import MLClient
from azure.ai.ml.entities import ManagedOnlineEndpoint, Environment
base = sys.argv[1].rstrip('/') + '/'
class Tok:
    def get_token(self, *scopes, **kw):
        return AccessToken("python-token", int(time.time()) + 3600)
cloud = {"azure_portal": base, "resource_manager": base, "active_directory": "https://login.microsoftonline.com/",
         "aml_resource_id": base, "storage_endpoint": "core.windows.net", "registry_discovery_endpoint": base}
ml = MLClient(Tok(), "00000000-0000-0000-0000-000000000000", "ml-project-rg", "ml-workspace-production",
              cloud="LocalAzureML", cloud_metadata=cloud)
env = ml.environments.create_or_update(Environment(name="py-env", image="python:3.11", conda_file={"name":"x","dependencies":["pip",{"pip":["numpy"]}]}))
print("environment", env.name, env.version)
ep = ManagedOnlineEndpoint(name="py-endpoint", auth_mode="key")
ml.online_endpoints.begin_create_or_update(ep).result()
got = ml.online_endpoints.get("py-endpoint")
print("endpoint", got.name, got.provisioning_state, got.scoring_uri)
keys = ml.online_endpoints.get_keys("py-endpoint")
print("keys", bool(keys.primary_key))
print("list", [e.name for e in ml.online_endpoints.list()])
ml.online_endpoints.begin_delete("py-endpoint").result()
print("deleted")
