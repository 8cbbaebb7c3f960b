fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Auth,
        shop_auth::Config::from_env,
        shop_auth::run,
    )
}
