fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Products,
        shop_products::Config::from_env,
        shop_products::run,
    )
}
