//! The catalog.

use serde::{Deserialize, Serialize};
use shop_common::money::Money;
use shop_proto::products::v1 as pb;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::image_url::ImageUrl;
use super::timestamp;

/// A product of the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    #[schema(example = "0199a3b2-7c4e-7d1a-9f0e-2b5c8d1e4f60")]
    pub id: String,
    #[schema(example = "Espresso cup")]
    pub name: String,
    pub description: String,
    /// Exact, with two decimals.
    #[schema(value_type = f64, example = 19.99)]
    pub price: Money,
    #[schema(example = 12)]
    pub stock: i32,
    /// The user who created it.
    pub seller_id: String,
    /// Image URLs, in display order.
    pub images: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

impl From<pb::Product> for Product {
    fn from(product: pb::Product) -> Self {
        Self {
            id: product.id,
            name: product.name,
            description: product.description,
            price: product.price.unwrap_or_default().into(),
            stock: product.stock,
            seller_id: product.seller_id,
            images: product.images,
            created_at: timestamp(product.created_at),
            updated_at: timestamp(product.updated_at),
        }
    }
}

/// `POST /products`, and `PUT /products/{id}` (which replaces the product: an absent
/// description or image list clears it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductBody {
    /// 1 to 200 characters, not only spaces.
    #[schema(
        example = "Espresso cup",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    /// At most 5000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// From 0 to 9999999999.99, at most two decimals (a number, or a string such as
    /// "19.99").
    #[schema(value_type = f64, example = 19.99, minimum = 0, maximum = 9999999999.99, multiple_of = 0.01)]
    pub price: Money,
    /// At least 0.
    #[schema(example = 12, minimum = 0)]
    #[serde(deserialize_with = "super::whole::deserialize")]
    pub stock: i32,
    /// http(s) URLs, at most 20.
    #[schema(value_type = Option<Vec<ImageUrl>>, max_items = 20)]
    pub images: Option<Vec<String>>,
}

impl ProductBody {
    pub fn into_create(self, actor: shop_proto::common::v1::Actor) -> pb::CreateProductRequest {
        pb::CreateProductRequest {
            name: self.name,
            description: self.description,
            price: Some(self.price.into()),
            stock: self.stock,
            images: self.images.unwrap_or_default(),
            actor: Some(actor),
        }
    }

    pub fn into_replace(
        self,
        id: String,
        actor: shop_proto::common::v1::Actor,
    ) -> pb::UpdateProductRequest {
        pb::UpdateProductRequest {
            id,
            name: Some(self.name),
            description: Some(self.description.unwrap_or_default()),
            price: Some(self.price.into()),
            stock: Some(self.stock),
            images: Some(pb::ImageList {
                urls: self.images.unwrap_or_default(),
            }),
            actor: Some(actor),
        }
    }
}

/// `PATCH /products/{id}`: absent fields stay as they are; `images` replaces the list.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductPatch {
    /// 1 to 200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// At most 5000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// As in [`ProductBody`].
    #[schema(value_type = Option<f64>, example = 17.5, minimum = 0, maximum = 9999999999.99, multiple_of = 0.01)]
    pub price: Option<Money>,
    #[schema(minimum = 0)]
    #[serde(default, deserialize_with = "super::whole::option")]
    pub stock: Option<i32>,
    /// http(s) URLs, at most 20; replaces the list.
    #[schema(value_type = Option<Vec<ImageUrl>>, max_items = 20)]
    pub images: Option<Vec<String>>,
}

impl ProductPatch {
    pub fn into_proto(
        self,
        id: String,
        actor: shop_proto::common::v1::Actor,
    ) -> pb::UpdateProductRequest {
        pb::UpdateProductRequest {
            id,
            name: self.name,
            description: self.description,
            price: self.price.map(Into::into),
            stock: self.stock,
            images: self.images.map(|urls| pb::ImageList { urls }),
            actor: Some(actor),
        }
    }
}
