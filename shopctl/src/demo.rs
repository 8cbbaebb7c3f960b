//! The demo catalog `shopctl up` creates on an empty shop, as the bootstrap admin.

use std::time::Duration;

use shop_common::backoff::Backoff;
use shop_proto::auth::v1::LoginRequest;
use shop_proto::auth::v1::auth_service_client::AuthServiceClient;
use shop_proto::common::v1::{Actor, Money, PageRequest, Role};
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use shop_proto::products::v1::{CreateProductRequest, ListProductsRequest};

/// A product of the demo catalog: name, description, price in cents, stock.
struct Demo(&'static str, &'static str, i64, i32);

const CATALOG: &[Demo] = &[
    Demo(
        "The Rust Programming Language",
        "The official book on Rust, second edition.",
        3999,
        40,
    ),
    Demo(
        "Zero To Production In Rust",
        "Backend development in Rust, from the first line to deployment.",
        4500,
        25,
    ),
    Demo(
        "Designing Data-Intensive Applications",
        "The big ideas behind reliable, scalable, maintainable systems.",
        4299,
        30,
    ),
    Demo(
        "Kubernetes in Action",
        "Running containerised applications at scale.",
        4799,
        15,
    ),
    Demo(
        "Database Internals",
        "How distributed data systems work, from storage engines to consensus.",
        4150,
        12,
    ),
    Demo(
        "Mechanical Keyboard",
        "Tenkeyless, hot-swappable switches, PBT keycaps.",
        12900,
        20,
    ),
    Demo(
        "Wireless Mouse",
        "Ergonomic, silent clicks, three months on one battery.",
        3490,
        60,
    ),
    Demo(
        "27-inch 4K Monitor",
        "IPS panel, USB-C with 90 W power delivery.",
        38900,
        8,
    ),
    Demo(
        "USB-C Dock",
        "Two displays, Ethernet, SD card, 100 W passthrough.",
        11900,
        14,
    ),
    Demo(
        "Noise-Cancelling Headphones",
        "Over-ear, 30 hours, multipoint Bluetooth.",
        24900,
        10,
    ),
    Demo(
        "Webcam 1080p",
        "Autofocus, privacy shutter, stereo microphones.",
        5990,
        35,
    ),
    Demo(
        "Portable SSD 1 TB",
        "USB 3.2, 1,050 MB/s, shock resistant.",
        10990,
        22,
    ),
    Demo(
        "Standing Desk",
        "Electric, memory presets, 160 x 80 cm.",
        49900,
        5,
    ),
    Demo(
        "Office Chair",
        "Adjustable lumbar support, mesh back.",
        29900,
        7,
    ),
    Demo(
        "Desk Lamp",
        "Dimmable LED, adjustable colour temperature.",
        3990,
        45,
    ),
    Demo(
        "Ceramic Coffee Mug",
        "350 ml, dishwasher safe, matte glaze.",
        1290,
        120,
    ),
    Demo(
        "Pour-Over Coffee Set",
        "Glass carafe, stainless filter, 600 ml.",
        3450,
        18,
    ),
    Demo(
        "Burr Coffee Grinder",
        "40 grind settings, conical steel burrs.",
        8990,
        9,
    ),
    Demo(
        "Cast Iron Skillet",
        "26 cm, pre-seasoned, oven safe.",
        3990,
        16,
    ),
    Demo("Chef's Knife", "20 cm, German steel, full tang.", 6490, 13),
    Demo(
        "Linen Tea Towels",
        "Set of three, stonewashed linen.",
        1990,
        50,
    ),
    Demo(
        "Hiking Backpack 30 L",
        "Ventilated back panel, rain cover included.",
        8990,
        11,
    ),
    Demo(
        "Trekking Poles",
        "Carbon, adjustable, cork grips, pair.",
        7490,
        10,
    ),
    Demo(
        "Insulated Water Bottle",
        "750 ml, keeps drinks cold for 24 hours.",
        2790,
        70,
    ),
    Demo(
        "Two-Person Tent",
        "Freestanding, 1.9 kg, two doors.",
        24900,
        4,
    ),
    Demo(
        "Headlamp",
        "400 lumens, rechargeable, red light mode.",
        3290,
        28,
    ),
    Demo(
        "Merino T-Shirt",
        "150 g/m², odour resistant, regular fit.",
        5490,
        40,
    ),
    Demo(
        "Rain Jacket",
        "Waterproof, breathable, packs into its pocket.",
        12900,
        12,
    ),
    Demo("Wool Socks", "Three pairs, cushioned sole.", 2490, 90),
    Demo(
        "Canvas Sneakers",
        "Organic cotton upper, natural rubber sole.",
        6990,
        24,
    ),
    Demo(
        "Wooden Puzzle Box",
        "A secret-compartment box for curious minds.",
        2990,
        15,
    ),
    Demo(
        "Building Bricks Set",
        "1,000 pieces in 25 colours.",
        4990,
        20,
    ),
    Demo(
        "Strategy Board Game",
        "Trade, build and settle, for 3 to 4 players.",
        3990,
        17,
    ),
    Demo(
        "Jigsaw Puzzle 1000",
        "Mountain lake at dawn, 1,000 pieces.",
        1890,
        33,
    ),
    Demo(
        "Notebook A5",
        "Dotted, 192 pages, lay-flat binding.",
        1490,
        100,
    ),
    Demo("Fountain Pen", "Steel nib, converter included.", 2890, 26),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot reach {service}: {source}")]
    Connect {
        service: &'static str,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("cannot log in as the bootstrap admin {email}: {status}")]
    Login {
        email: String,
        status: tonic::Status,
    },
    #[error("products refused the demo catalog: {0}")]
    Products(#[from] tonic::Status),
}

/// Creates the demo catalog if the shop has no product yet; returns how many it created.
pub async fn seed(
    auth_port: u16,
    products_port: u16,
    admin_email: &str,
    admin_password: &str,
) -> Result<usize, DemoError> {
    let mut products = ProductsServiceClient::connect(format!("http://127.0.0.1:{products_port}"))
        .await
        .map_err(|source| DemoError::Connect {
            service: "products",
            source,
        })?;
    let existing = products
        .list_products(ListProductsRequest {
            page: Some(PageRequest {
                page: 1,
                limit: 1,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await?
        .into_inner();
    if existing.page.is_some_and(|page| page.total > 0) {
        return Ok(0);
    }
    let admin = login(auth_port, admin_email, admin_password).await?;
    for (index, Demo(name, description, cents, stock)) in CATALOG.iter().enumerate() {
        let slug: String = name
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        products
            .create_product(CreateProductRequest {
                name: (*name).to_owned(),
                description: Some((*description).to_owned()),
                price: Some(Money { cents: *cents }),
                stock: *stock,
                images: vec![
                    format!("https://picsum.photos/seed/rustshop-{slug}/640/480"),
                    format!("https://picsum.photos/seed/rustshop-{index}-detail/640/480"),
                ],
                actor: Some(admin.clone()),
            })
            .await?;
    }
    Ok(CATALOG.len())
}

/// Logs in as the admin, waiting for auth to have created it (it does so at start).
async fn login(auth_port: u16, email: &str, password: &str) -> Result<Actor, DemoError> {
    let mut auth = AuthServiceClient::connect(format!("http://127.0.0.1:{auth_port}"))
        .await
        .map_err(|source| DemoError::Connect {
            service: "auth",
            source,
        })?;
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(2));
    let mut attempts = 0;
    loop {
        let request = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        match auth.login(request).await {
            Ok(response) => {
                let user = response.into_inner().user.unwrap_or_default();
                return Ok(Actor {
                    user_id: user.id,
                    role: Role::SuperAdmin.into(),
                });
            }
            Err(status) if attempts < 20 && status.code() == tonic::Code::Unauthenticated => {
                attempts += 1;
                tokio::time::sleep(backoff.next_delay()).await;
            }
            Err(status) => {
                return Err(DemoError::Login {
                    email: email.to_owned(),
                    status,
                });
            }
        }
    }
}
