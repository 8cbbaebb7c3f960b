/// mimalloc, for speed and for giving memory back (see `shop_common::allocator`).
#[global_allocator]
static ALLOCATOR: shop_common::allocator::MiMalloc = shop_common::allocator::MiMalloc;

fn main() -> std::process::ExitCode {
    shop_common::bootstrap::main(
        shop_common::service::ServiceKind::Products,
        shop_products::Config::from_env,
        shop_products::run,
    )
}
