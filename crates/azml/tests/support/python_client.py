"""A second client process of `azml local start`: Python's azure-ai-ml registers a model whose
file it uploads to the account blob host https://{account}.blob.core.localhost:{port} (built
from the cloud's `storage_endpoint`, TLS verified against that name with REQUESTS_CA_BUNDLE).

Usage: python python_client.py BASE_URL STORAGE_ENDPOINT MODEL_FILE
Prints the registered model as one JSON object.
"""
import json
import socket
import sys
import time

# Names under .localhost are loopback (RFC 6761, section 6.3): curl and browsers resolve them so
# without asking DNS, glibc's resolver (without systemd-resolved) and so Python's do not. Map
# them to 127.0.0.1 before any connection is made; the host name itself is untouched, so TLS
# still checks the certificate against {account}.blob.core.localhost.
_resolve = socket.getaddrinfo


def _loopback(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _resolve(host, *args, **kwargs)


socket.getaddrinfo = _loopback

from azure.ai.ml import MLClient  # noqa: E402
from azure.ai.ml.entities import Model  # noqa: E402
from azure.core.credentials import AccessToken  # noqa: E402

base = sys.argv[1].rstrip("/") + "/"
storage_endpoint = sys.argv[2]
model_file = sys.argv[3]


class LocalToken:
    """The offline workspace takes any token."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("local", int(time.time()) + 3600)


cloud = {
    "azure_portal": base,
    "resource_manager": base,
    "active_directory": "https://login.microsoftonline.com/",
    "aml_resource_id": base,
    "storage_endpoint": storage_endpoint,
    "registry_discovery_endpoint": base,
}
ml_client = MLClient(
    LocalToken(),
    "00000000-0000-0000-0000-000000000000",
    "ml-project-rg",
    "ml-workspace-production",
    cloud="AzureMLLocal",
    cloud_metadata=cloud,
    show_progress=False,
    enable_telemetry=False,
)
created = ml_client.models.create_or_update(
    Model(name="py-model", path=model_file, type="custom_model", description="uploaded by Python")
)
got = ml_client.models.get("py-model", version=created.version)
print(json.dumps({"name": got.name, "version": got.version, "path": got.path}))
