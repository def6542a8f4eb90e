"""Drives the offline workspace with Python's azure-ai-ml, pointed at it as a custom cloud.

Usage (with `azml local start --detach`, or `cargo run --features local --example local_workspace`,
running; `azml local status` prints the base URL and storage endpoint):
    REQUESTS_CA_BUNDLE=.azureml/local/ca.pem python scripts/python_local_check.py https://127.0.0.1:PORT
Needs `pip install azure-ai-ml` (scripts/prereqs.sh installs it into build/pyclient). Covers
environment registration, a model upload (to https://{account}.blob.core.localhost:PORT, the
account host built from the cloud's `storage_endpoint`), endpoint create/get/get_keys/list/delete.
crates/azml/tests/python_client.rs runs the model upload as a test.
"""
import os, socket, sys, tempfile, time
from urllib.parse import urlparse

# Names under .localhost are loopback (RFC 6761); curl and browsers resolve them so, Python's
# resolver may not. The account host {account}.blob.core.localhost must reach the workspace.
_resolve = socket.getaddrinfo
def _loopback(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _resolve(host, *args, **kwargs)
socket.getaddrinfo = _loopback

from azure.core.credentials import AccessToken
from azure.ai.ml import MLClient
from azure.ai.ml.entities import ManagedOnlineEndpoint, Environment, Model
base = sys.argv[1].rstrip('/') + '/'
storage = "core.localhost:%d" % urlparse(base).port
class Tok:
    def get_token(self, *scopes, **kw):
        return AccessToken("python-token", int(time.time()) + 3600)
cloud = {"azure_portal": base, "resource_manager": base, "active_directory": "https://login.microsoftonline.com/",
         "aml_resource_id": base, "storage_endpoint": storage, "registry_discovery_endpoint": base}
ml = MLClient(Tok(), "00000000-0000-0000-0000-000000000000", "ml-project-rg", "ml-workspace-production",
              cloud="LocalAzureML", cloud_metadata=cloud)
env = ml.environments.create_or_update(Environment(name="py-env", image="python:3.11", conda_file={"name":"x","dependencies":["pip",{"pip":["numpy"]}]}))
print("environment", env.name, env.version)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(4096))
    model = ml.models.create_or_update(Model(name="py-model", path=path))
print("model", model.name, model.version, model.path)
ep = ManagedOnlineEndpoint(name="py-endpoint", auth_mode="key")
ml.online_endpoints.begin_create_or_update(ep).result()
got = ml.online_endpoints.get("py-endpoint")
print("endpoint", got.name, got.provisioning_state, got.scoring_uri)
keys = ml.online_endpoints.get_keys("py-endpoint")
print("keys", bool(keys.primary_key))
print("list", [e.name for e in ml.online_endpoints.list()])
ml.online_endpoints.begin_delete("py-endpoint").result()
print("deleted")
