//! Compiles the .proto contracts with protox (a pure-Rust protobuf compiler), so no
//! system `protoc` is needed, then generates the tonic clients and servers.

const PROTOS: &[&str] = &[
    "rustshop/common/v1/common.proto",
    "rustshop/users/v1/users.proto",
    "rustshop/auth/v1/auth.proto",
    "rustshop/products/v1/products.proto",
    "rustshop/cart/v1/cart.proto",
    "rustshop/orders/v1/orders.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
