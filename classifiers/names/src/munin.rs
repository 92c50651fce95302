//! Munin's node protocol (Munin guide, "Munin node protocol"): munin-node
//! greets every connection with `# munin node at <hostname>` and a newline;
//! the master then sends line commands (`cap`, `list`, `nodes`, `config`,
//! `fetch`, `version`, `quit`). The port is not needed.

use flowsieve_sdk::prelude::*;

const GREETING: &[u8] = b"# munin node at ";
const COMMANDS: [&[u8]; 7] = [
    b"cap", b"list", b"nodes", b"config", b"fetch", b"version", b"quit",
];

pub(crate) fn leads() -> [Lead; 1] {
    [server(GREETING)]
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let greeting = s.strip_prefix(GREETING).is_some_and(|host| {
        host.iter()
            .take_while(|&&b| b != b'\n')
            .all(u8::is_ascii_graphic)
    });
    let command = c.is_empty()
        || COMMANDS.iter().any(|cmd| {
            c.starts_with(cmd) && matches!(c.get(cmd.len()), Some(b' ' | b'\n' | b'\r') | None)
        });
    greeting && command
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/munin.pcap (tests/tools/record/misc.sh munin):
    // munin-node 2.0 greeting netcat, 127.0.0.1:52558 <-> :14949.
    const GREETING_LINE: &[u8] = b"# munin node at flowsieve.test\n";

    #[test]
    fn node_greeting() {
        crate::check(
            matches,
            &tcp(52558, 14949, b"cap multigraph\nlist\nquit\n", GREETING_LINE),
            crate::MUNIN,
        );
        crate::check(matches, &tcp(52558, 4949, b"", GREETING_LINE), crate::MUNIN);
    }

    #[test]
    fn not_munin() {
        // Another comment line; an HTTP request to the node.
        assert!(!matches(&tcp(52558, 4949, b"", b"# munin master\n")));
        assert!(!matches(&tcp(
            52558,
            4949,
            b"GET / HTTP/1.1\r\n",
            GREETING_LINE
        )));
    }
}
