"""An MQTT rule pack in Python, for flowsieve.

MQTT (v3.1 "MQIsdp", v3.1.1 and v5 "MQTT") opens every connection with a CONNECT packet from the
client: type 1 (first byte 0x10), a variable-length "remaining length", then the protocol name as
a 16-bit length and bytes, then the protocol level. That is what this rule checks.

Build: ./build.sh  (componentize-py --stub-wasi: an import-free component, rule.wasm)
"""

import wit_world
from wit_world import (
    Direction,
    FlowView,
    Lead,
    Manifest,
    Outcome,
    Outcome_Matched,
    Outcome_NeedMore,
    Outcome_NoMatch,
    Rule,
    Transport,
)

PACK_NAME = "mqtt-python"
MQTT = 0  # index of the rule in the manifest

# Verdicts are immutable: make them once, not per call.
MATCHED = Outcome_Matched(MQTT)
NO_MATCH = Outcome_NoMatch()
NEED_MORE = Outcome_NeedMore()

# Protocol name -> accepted protocol levels.
NAMES = {b"MQTT": (4, 5), b"MQIsdp": (3,)}


class WitWorld(wit_world.WitWorld):
    def manifest(self) -> Manifest:
        return Manifest(
            name=PACK_NAME,
            version="0.1.0",
            rules=[
                Rule(
                    protocol="MQTT",
                    category="Message_Queuing",
                    transport=Transport.TCP,
                    priority=5,
                    ports=[],
                    # The host offers the pack only flows whose client payload starts with
                    # 0x10 (CONNECT).
                    leads=[Lead(direction=Direction.CLIENT, offset=0, value=b"\x10", mask=b"")],
                )
            ],
        )

    def classify(self, flow: FlowView) -> Outcome:
        p = flow.client.prefix
        n = len(p)
        if n == 0 or p[0] != 0x10:
            return NO_MATCH  # the client speaks first, with CONNECT
        # Remaining length: 1 to 4 bytes, 7 bits each, high bit = more follow.
        i = 1
        remaining = 0
        shift = 0
        while True:
            if i >= n:
                return NEED_MORE
            if shift > 21:
                return NO_MATCH
            b = p[i]
            i += 1
            remaining |= (b & 0x7F) << shift
            shift += 7
            if b & 0x80 == 0:
                break
        # Protocol name length, name, level.
        if n < i + 2:
            return NEED_MORE
        name_len = (p[i] << 8) | p[i + 1]
        if name_len not in (4, 6) or remaining < 2 + name_len + 4:
            return NO_MATCH
        if n < i + 2 + name_len + 1:
            return NEED_MORE
        levels = NAMES.get(bytes(p[i + 2 : i + 2 + name_len]))
        if levels is not None and p[i + 2 + name_len] in levels:
            return MATCHED
        return NO_MATCH
