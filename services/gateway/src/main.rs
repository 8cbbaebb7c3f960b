fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Gateway,
        shop_gateway::Config::from_env,
        shop_gateway::run,
    )
}
