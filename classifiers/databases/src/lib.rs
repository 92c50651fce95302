//! flowsieve's built-in `databases` pack: database and cache protocols,
//! each written from its own specification (see the module of each rule).
//! Names and categories are libprotoident's where it has the protocol
//! (MySQL, Postgresql, TDS, MongoDB); the others follow its style.

use flowsieve_sdk::prelude::*;

mod cassandra;
mod memcached;
mod mongodb;
mod mysql;
mod postgresql;
mod redis;
mod tds;
mod tns;

pub const MYSQL: u32 = 0;
pub const POSTGRESQL: u32 = 1;
pub const TDS: u32 = 2;
pub const ORACLE_TNS: u32 = 3;
pub const MONGODB: u32 = 4;
pub const REDIS: u32 = 5;
pub const MEMCACHED: u32 = 6;
pub const MEMCACHED_UDP: u32 = 7;
pub const CASSANDRA: u32 = 8;

pub(crate) use flowsieve_sdk::dispatch::Verdict;

pub struct Databases;

impl Rule for Databases {
    fn manifest() -> Manifest {
        ManifestBuilder::new("databases", env!("CARGO_PKG_VERSION"))
            .tcp(MYSQL, "MySQL", "Databases", 3)
            .leads(mysql::leads())
            .tcp(POSTGRESQL, "Postgresql", "Databases", 3)
            .leads(postgresql::leads())
            .tcp(TDS, "TDS", "Databases", 3)
            .leads(tds::leads())
            .tcp(ORACLE_TNS, "Oracle_TNS", "Databases", 3)
            .leads(tns::leads())
            .tcp(MONGODB, "MongoDB", "Databases", 3)
            .leads(mongodb::leads())
            .tcp(REDIS, "Redis", "Databases", 5)
            .leads(redis::leads())
            .tcp(MEMCACHED, "Memcached", "Databases", 5)
            .leads(memcached::tcp_leads())
            .udp(MEMCACHED_UDP, "Memcached_UDP", "Databases", 5)
            .leads(memcached::udp_leads())
            .tcp(CASSANDRA, "Cassandra", "Databases", 3)
            .leads(cassandra::leads())
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Judge] = match flow.transport {
            Transport::Tcp => &[
                mysql::classify,
                postgresql::classify,
                tds::classify,
                tns::classify,
                mongodb::classify,
                redis::classify,
                memcached::classify_tcp,
                cassandra::classify,
            ],
            Transport::Udp => &[memcached::classify_udp],
        };
        first_verdict(flow, rules)
    }
}

flowsieve_sdk::export_rule!(Databases);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp, verdict};

    #[test]
    fn manifest_is_consistent() {
        let m = Databases::manifest();
        assert_eq!(m.name, "databases");
        assert_eq!(m.rules[MEMCACHED_UDP as usize].transport, Transport::Udp);
        assert_eq!(m.rules[CASSANDRA as usize].protocol, "Cassandra");
        assert!(m.rules.iter().all(|r| !r.leads.is_empty()));
    }

    #[test]
    fn noise_matches_nothing() {
        let noise: Vec<u8> = (0u32..64)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(
            verdict::<Databases>(&tcp(40000, 3306, &noise, &noise)),
            Outcome::NoMatch
        );
        assert_eq!(
            verdict::<Databases>(&udp(40000, 11211, &noise, &noise)),
            Outcome::NoMatch
        );
    }

    #[test]
    fn http_and_tls_are_not_databases() {
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            verdict::<Databases>(&tcp(40000, 80, get, b"HTTP/1.1 200 OK\r\n")),
            Outcome::NoMatch
        );
        let hello = [0x16, 3, 1, 0, 0x50, 1, 0, 0, 0x4c, 3, 3];
        assert_eq!(
            verdict::<Databases>(&tcp(40000, 443, &hello, b"")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 12] = [
            b"",
            b"*3\r\n$3\r\n",
            b"get ",
            &[0x80, 0, 0, 5, 0, 0, 0, 0],
            &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x00],
            &[
                0x4a, 1, 0, 0, 0x67, 0x45, 0x8b, 0x6b, 0, 0, 0, 0, 0xdd, 7, 0, 0,
            ],
            &[0x42, 0, 0, 0, 5, 0, 0, 0, 0],
            &[0x12, 1, 0, 0x3a, 0, 0, 0, 0, 0, 0, 0x1a],
            &[0, 0x4a, 0, 0, 1, 0, 0, 0, 1, 0x3f, 1, 0x2c],
            &[0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f],
            &[0, 0, 0, 0x56, 0, 3, 0, 0, b'u'],
            &[0x64, 0, 0, 0, 0x0a, b'5', b'.'],
        ];
        flowsieve_sdk::testing::fuzz_pack::<Databases>(&seeds);
    }
}
