fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Notification,
        shop_notification::Config::from_env,
        shop_notification::run,
    )
}
