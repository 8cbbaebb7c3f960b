fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Orders,
        shop_orders::Config::from_env,
        shop_orders::run,
    )
}
