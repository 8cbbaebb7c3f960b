fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Users,
        shop_users::Config::from_env,
        shop_users::run,
    )
}
