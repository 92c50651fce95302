mod common; mod sinkkit;
