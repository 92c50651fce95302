//! The host side of `wit/classifier.wit`.
//!
//! `bindgen!` gives the types the host *reads* from guests (manifest,
//! outcome). The flow view the host *sends* is hand-written instead: the
//! generated one owns `Vec<u8>`/`String`s, which would mean copying every
//! prefix into a fresh allocation per call. These borrow, and lower straight
//! into guest memory. Their layout is checked against each component's own
//! types when it loads (`Func::typed`), so a drift from the WIT is refused
//! at load, never mis-read.

use wasmtime::component::{ComponentType, Lift, Lower};

pub(crate) mod generated {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "classifier",
    });
}

pub(crate) use generated::{Manifest, Outcome, Transport as WitTransport};

/// Layer-4 transport of a flow.
#[derive(ComponentType, Lower, Lift, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[component(enum)]
#[repr(u8)]
pub enum Transport {
    #[component(name = "tcp")]
    Tcp,
    #[component(name = "udp")]
    Udp,
}

impl Transport {
    /// `tcp` or `udp`, as in the WIT and the records.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

impl From<WitTransport> for Transport {
    fn from(t: WitTransport) -> Self {
        match t {
            WitTransport::Tcp => Transport::Tcp,
            WitTransport::Udp => Transport::Udp,
        }
    }
}

/// One direction of a flow, borrowed from the pipeline's flow state.
#[derive(ComponentType, Lower, Clone, Copy, Debug, Default)]
#[component(record)]
pub struct Side<'a> {
    /// First bytes of this direction's payload stream (TCP: in order).
    pub prefix: &'a [u8],
    /// Size of this direction's first payload packet (0 if none yet).
    #[component(name = "first-payload-len")]
    pub first_payload_len: u32,
    pub packets: u32,
    /// L4 payload bytes.
    pub bytes: u64,
}

impl Side<'_> {
    /// True if this direction has carried payload.
    pub fn has_payload(&self) -> bool {
        self.bytes > 0 || !self.prefix.is_empty()
    }
}

/// What a pack sees of a flow. `client` opened the flow. Everything is
/// borrowed: building one costs nothing, and nothing is cloned per call.
#[derive(ComponentType, Lower, Clone, Copy, Debug)]
#[component(record)]
pub struct FlowView<'a> {
    pub transport: Transport,
    #[component(name = "client-port")]
    pub client_port: u16,
    #[component(name = "server-port")]
    pub server_port: u16,
    pub client: Side<'a>,
    pub server: Side<'a>,
    /// From the TLS/QUIC parser, when it has one.
    pub sni: Option<&'a str>,
    /// The client's ALPN list; `None`, never an empty list, without one (set it with
    /// [`FlowView::set_alpn`]).
    pub alpn: Option<&'a [String]>,
}

impl<'a> FlowView<'a> {
    /// A view with no payload and no TLS metadata yet.
    pub fn new(transport: Transport, client_port: u16, server_port: u16) -> Self {
        Self {
            transport,
            client_port,
            server_port,
            client: Side::default(),
            server: Side::default(),
            sni: None,
            alpn: None,
        }
    }

    /// Sets the client's ALPN list; an empty one becomes `None`, as the contract says.
    pub fn set_alpn(&mut self, alpn: &'a [String]) {
        self.alpn = (!alpn.is_empty()).then_some(alpn);
    }
}

/// The `classify` export's signature, as the host calls it.
pub(crate) type ClassifyParams<'a> = (FlowView<'a>,);
pub(crate) type ClassifyResults = (Outcome,);
