"""An independent client for end-to-end tests: Debian's grpcio calling a gateway over mutual TLS.

Usage: python_client.py --stubs DIR --gateway HOST:PORT --cert F --key F --ca F --target P
Prints one JSON object (status, message, family names, exchange id) and exits 0 on OK, 1 otherwise.
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--stubs", "--gateway", "--cert", "--key", "--ca", "--target"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--purpose", default="border-control")
    parser.add_argument("--agreement", default="test-identity")
    parser.add_argument("--run", default="12531909-2")
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)

    import grpc
    from pasarela.identity.v1 import identity_pb2, identity_pb2_grpc

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key),
        certificate_chain=read(args.cert),
    )
    with grpc.secure_channel(args.gateway, credentials) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        request = identity_pb2.GetPersonRequest(
            identifier=identity_pb2.PersonIdentifier(
                issuing_country="CL", scheme="CL-RUN", value=args.run))
        metadata = (("x-pasarela-target", args.target), ("x-pasarela-purpose", args.purpose),
                    ("x-pasarela-agreement", args.agreement))
        try:
            response, call = stub.GetPerson.with_call(request, metadata=metadata, timeout=10)
        except grpc.RpcError as error:
            print(json.dumps({"status": error.code().name, "message": error.details()}))
            return 1
        headers = dict(call.initial_metadata())
        print(json.dumps({
            "status": "OK",
            "family_names": list(response.person.family_names),
            "birth_date": response.person.birth_date,
            "exchange_id": headers.get("x-pasarela-exchange-id", ""),
        }, ensure_ascii=False))
        return 0


if __name__ == "__main__":
    sys.exit(main())
