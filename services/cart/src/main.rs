fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Cart,
        shop_cart::Config::from_env,
        shop_cart::run,
    )
}
