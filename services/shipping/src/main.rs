fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Shipping,
        shop_shipping::Config::from_env,
        shop_shipping::run,
    )
}
