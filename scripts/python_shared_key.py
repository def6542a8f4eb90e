"""Prints Shared Key strings-to-sign and signatures computed by azure-storage-blob's own
SharedKeyCredentialPolicy, for the requests that src/storage/shared_key.rs tests against.

    build/pyvenv/bin/python scripts/python_shared_key.py
"""
import json
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlparse

from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

CASES = [
    ("devstoreaccount1", "PUT", "http://127.0.0.1:10000/devstoreaccount1/cont/LocalUpload/abc/model%20v1.pkl",
     {"x-ms-version": "2025-01-05", "x-ms-date": "Tue, 25 Nov 2026 12:00:00 GMT",
      "x-ms-client-request-id": "00000000-0000-0000-0000-000000000001", "x-ms-blob-type": "BlockBlob",
      "content-type": "application/octet-stream", "content-md5": "U7SR0++9nr1Fty3GR1XynA==",
      "if-none-match": "*", "content-length": "353"}),
    ("mlworkspacprod1234567890", "PUT",
     "https://mlworkspacprod1234567890.blob.core.windows.net/azureml-blobstore-1/LocalUpload/977e/model.pkl?comp=metadata",
     {"x-ms-version": "2025-01-05", "x-ms-date": "Tue, 25 Nov 2026 12:00:01 GMT",
      "x-ms-client-request-id": "00000000-0000-0000-0000-000000000002",
      "x-ms-meta-upload_status": "completed", "x-ms-meta-name": "customer-churn-model",
      "x-ms-meta-version": "1", "x-ms-meta-a1x": "z", "x-ms-meta-a_1": "y", "content-length": "0"}),
    ("devstoreaccount1", "PUT",
     "http://127.0.0.1:10000/devstoreaccount1/cont/big.bin?comp=block&blockid=YmxvY2stMDAwMDAwMDAwMA%3D%3D",
     {"x-ms-version": "2025-01-05", "x-ms-date": "Tue, 25 Nov 2026 12:00:02 GMT",
      "x-ms-client-request-id": "00000000-0000-0000-0000-000000000003",
      "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==", "content-length": "4194304"}),
    ("devstoreaccount1", "HEAD", "http://127.0.0.1:10000/devstoreaccount1/cont/scoring/score.py",
     {"x-ms-version": "2025-01-05", "x-ms-date": "Tue, 25 Nov 2026 12:00:03 GMT",
      "x-ms-client-request-id": "00000000-0000-0000-0000-000000000004"}),
]


def main():
    for account, method, url, headers in CASES:
        policy = SharedKeyCredentialPolicy(account, KEY)
        query = dict(parse_qsl(urlparse(url).query))
        http_request = SimpleNamespace(method=method, url=url, headers=headers, query=query)
        request = SimpleNamespace(http_request=http_request, context=SimpleNamespace(transport=None))
        policy.on_request(request)
        auth = headers.pop("Authorization")
        print(json.dumps({"url": url, "method": method, "authorization": auth}))


if __name__ == "__main__":
    main()
