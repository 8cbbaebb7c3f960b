fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Stock,
        shop_stock::Config::from_env,
        shop_stock::run,
    )
}
