"""The load client of scripts/soak: one agency calling its gateway with Debian's grpcio.

  soak_client.py peak CONNECTION [--seconds S] [--concurrency C]
      closed loop: C calls always in flight for S seconds; prints the answered calls per second.
  soak_client.py rate CONNECTION --rate R --seconds S [--max-in-flight N]
      open loop: starts one call every 1/R seconds for S seconds, never more than R*S calls and
      never more than N at once (a call that would exceed N is counted as "skipped", not sent).

CONNECTION is --gateway HOST:PORT --cert F --key F --ca F (the agency's certificate, key and its
country's CA) and --descriptor-set F (repeated: the sets the gateway loads). Both call
AR/GOV/migraciones -> AR gateway -> CL gateway -> Chile's civil registry in
Argentina's national schema (ar.renaper.v1 ConsultarPersona, mapped on both sides) and print one
JSON object: calls, answered (calls the gateway answered, with any status), statuses by name,
latency percentiles in ms, skipped. Loopback only: a gateway address not on 127.0.0.1 is refused.
"""
import argparse
import asyncio
import json
import sys
import time

METHOD = "/ar.renaper.v1.ConsultaPersonasService/ConsultarPersona"
REQUEST_TYPE = "ar.renaper.v1.ConsultarPersonaRequest"
REQUEST_JSON = {
    "documento": {"pais_emisor": "CL", "tipo": "RUN", "numero": "12.531.909-2"},
    "motivo": "Control fronterizo",
}
METADATA = (
    ("x-pasarela-target", "CL/GOV/registro-civil"),
    ("x-pasarela-agreement", "ar-cl-identity-2026"),
    ("x-pasarela-purpose", "border-control"),
)


def request_bytes(descriptor_sets):
    """The request serialized from the descriptor sets the gateway loads (no generated code)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

    pool = descriptor_pool.DescriptorPool()
    added = set()
    for path in descriptor_sets:
        with open(path, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        for file in files.file:
            if file.name not in added:
                pool.AddSerializedFile(file.SerializeToString())
                added.add(file.name)
    descriptor = pool.FindMessageTypeByName(REQUEST_TYPE)
    if hasattr(message_factory, "GetMessageClass"):
        cls = message_factory.GetMessageClass(descriptor)
    else:
        cls = message_factory.MessageFactory(pool).GetPrototype(descriptor)
    return json_format.ParseDict(REQUEST_JSON, cls()).SerializeToString()


def channel_for(args):
    import grpc

    if not args.gateway.startswith("127.0.0.1:"):
        sys.exit(f"soak_client: {args.gateway} is not on loopback; the soak runs on loopback only")

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca), private_key=read(args.key),
        certificate_chain=read(args.cert))
    return grpc.aio.secure_channel(args.gateway, credentials)


class Tally:
    def __init__(self):
        self.calls = 0
        self.answered = 0
        self.skipped = 0
        self.statuses = {}
        self.latencies_ms = []

    def summary(self, seconds):
        latencies = sorted(self.latencies_ms)

        def percentile(p):
            if not latencies:
                return None
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2)

        return {
            "seconds": round(seconds, 1),
            "calls": self.calls,
            "answered": self.answered,
            "answered_per_second": round(self.answered / seconds, 1) if seconds > 0 else 0,
            "skipped": self.skipped,
            "statuses": self.statuses,
            "latency_ms": {"p50": percentile(0.50), "p99": percentile(0.99),
                           "max": percentile(1.0)},
        }


async def one_call(call, payload, deadline, tally):
    import grpc

    tally.calls += 1
    started = time.monotonic()
    try:
        invocation = call(payload, metadata=METADATA, timeout=deadline)
        await invocation
        code = grpc.StatusCode.OK
        metadata = tuple(await invocation.initial_metadata() or ()) + tuple(
            await invocation.trailing_metadata() or ())
    except grpc.aio.AioRpcError as error:
        code = error.code()
        metadata = tuple(error.initial_metadata() or ()) + tuple(error.trailing_metadata() or ())
    tally.latencies_ms.append((time.monotonic() - started) * 1000)
    tally.statuses[code.name] = tally.statuses.get(code.name, 0) + 1
    # Answered by the gateway (with any status) rather than failed before reaching it: the
    # gateway names the exchange in its headers, or itself in its trailers.
    if any(key in ("x-pasarela-exchange-id", "x-pasarela-answered-by") for key, _ in metadata):
        tally.answered += 1


async def run_peak(args, payload):
    tally = Tally()
    async with channel_for(args) as channel:
        call = channel.unary_unary(METHOD)
        end = time.monotonic() + args.seconds

        async def worker():
            while time.monotonic() < end:
                await one_call(call, payload, args.deadline, tally)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        return tally.summary(time.monotonic() - started)


async def run_rate(args, payload):
    tally = Tally()
    total = int(args.rate * args.seconds)
    interval = 1.0 / args.rate
    async with channel_for(args) as channel:
        call = channel.unary_unary(METHOD)
        in_flight = set()
        started = time.monotonic()
        for i in range(total):
            delay = started + i * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= args.max_in_flight:
                tally.skipped += 1
                continue
            task = asyncio.ensure_future(one_call(call, payload, args.deadline, tally))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=args.deadline + 5)
        return tally.summary(time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["peak", "rate"])
    for flag in ("--gateway", "--cert", "--key", "--ca"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--descriptor-set", action="append", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--deadline", type=float, default=5)
    args = parser.parse_args()
    if args.mode == "rate" and args.rate <= 0:
        parser.error("rate mode needs --rate > 0")
    payload = request_bytes(args.descriptor_set)
    run = run_peak if args.mode == "peak" else run_rate
    print(json.dumps(asyncio.run(run(args, payload))))


if __name__ == "__main__":
    main()
