//! Products and their images on PostgreSQL.

use rust_decimal::Decimal;
use shop_common::money::Money;
use shop_common::pagination::{Page, SortOrder};
use sqlx::{AssertSqlSafe, Executor, PgPool, Postgres};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::listing::{ListSort, ProductPage, SearchSort};
use crate::domain::product::{NewProduct, Product, ProductChanges, ProductId};
use crate::domain::search::SearchQuery;
use crate::error::StoreError;

/// The columns of [`ProductRow`], images as an ordered array (empty when none).
macro_rules! product_columns {
    () => {
        "p.id, p.name, p.description, p.price, p.stock, p.seller_id, p.created_at, \
         p.updated_at, ARRAY(SELECT i.url FROM product_images i \
         WHERE i.product_id = p.id ORDER BY i.position) AS images"
    };
}

/// Products matching a search: the query's words as prefixes, stemmed (English) or as
/// typed (simple), or the query anywhere in the name. `$1` is the prefix `tsquery`
/// text, `$2` the `ILIKE` pattern.
macro_rules! search_matches {
    () => {
        "WITH q AS (SELECT to_tsquery('english', $1) || to_tsquery('simple', $1) AS query) \
         SELECT {columns} FROM products p CROSS JOIN q \
         WHERE p.search @@ q.query OR p.name ILIKE $2"
    };
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: Uuid,
    name: String,
    description: String,
    price: Decimal,
    stock: i32,
    seller_id: Uuid,
    images: Vec<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<ProductRow> for Product {
    type Error = StoreError;

    fn try_from(row: ProductRow) -> Result<Self, StoreError> {
        let price = Money::from_decimal(row.price)
            .map_err(|e| StoreError::Corrupt(format!("price of product {}: {e}", row.id)))?;
        Ok(Product {
            id: row.id.into(),
            name: row.name,
            description: row.description,
            price,
            stock: row.stock,
            seller_id: row.seller_id,
            images: row.images,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Reads and writes products.
#[derive(Clone)]
pub struct ProductStore {
    pool: PgPool,
}

impl ProductStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Inserts a product and its images, and returns it as stored.
    pub async fn create(
        &self,
        id: ProductId,
        seller_id: Uuid,
        product: &NewProduct,
    ) -> Result<Product, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO products (id, name, description, price, stock, seller_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_uuid())
        .bind(&product.name)
        .bind(&product.description)
        .bind(product.price.to_decimal())
        .bind(product.stock)
        .bind(seller_id)
        .execute(&mut *tx)
        .await?;
        insert_images(&mut *tx, id, &product.images).await?;
        let created = written(fetch(&mut *tx, id).await?, id)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn get(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        fetch(&self.pool, id).await
    }

    /// The products among `ids` that exist, in no particular order.
    pub async fn get_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let rows: Vec<ProductRow> = sqlx::query_as(concat!(
            "SELECT ",
            product_columns!(),
            " FROM products p WHERE p.id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Product::try_from).collect()
    }

    /// Who sells the product (it never changes), or `None` if there is no such product.
    pub async fn seller_of(&self, id: ProductId) -> Result<Option<Uuid>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT seller_id FROM products WHERE id = $1")
                .bind(id.as_uuid())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Applies a partial update; `None` if there is no such product.
    pub async fn update(
        &self,
        id: ProductId,
        changes: &ProductChanges,
    ) -> Result<Option<Product>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE products SET \
               name = COALESCE($2, name), \
               description = COALESCE($3, description), \
               price = COALESCE($4, price), \
               stock = COALESCE($5, stock), \
               updated_at = now() \
             WHERE id = $1",
        )
        .bind(id.as_uuid())
        .bind(changes.name.as_deref())
        .bind(changes.description.as_deref())
        .bind(changes.price.map(Money::to_decimal))
        .bind(changes.stock)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        if let Some(images) = &changes.images {
            sqlx::query("DELETE FROM product_images WHERE product_id = $1")
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await?;
            insert_images(&mut *tx, id, images).await?;
        }
        let product = written(fetch(&mut *tx, id).await?, id)?;
        tx.commit().await?;
        Ok(Some(product))
    }

    /// Deletes a product and its images; false if there was no such product.
    pub async fn delete(&self, id: ProductId) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM products WHERE id = $1")
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// One page of all products.
    pub async fn list(&self, page: &Page<ListSort>) -> Result<ProductPage, StoreError> {
        let sql = format!(
            concat!(
                "SELECT ",
                product_columns!(),
                " FROM products p ORDER BY {order} LIMIT $1 OFFSET $2"
            ),
            order = order_by(list_column(page.sort), page.order),
        );
        // The text added to the SQL comes from validated enums only.
        let rows: Vec<ProductRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(i64::from(page.limit))
            .bind(offset(page))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
            .fetch_one(&self.pool)
            .await?;
        to_page(rows, total)
    }

    /// One page of the products matching `query`.
    pub async fn search(
        &self,
        query: &SearchQuery,
        page: &Page<SearchSort>,
    ) -> Result<ProductPage, StoreError> {
        let column = match page.sort {
            SearchSort::Relevance => "rank",
            SearchSort::Field(field) => list_column(field),
        };
        let sql = format!(
            concat!(search_matches!(), " ORDER BY {order} LIMIT $3 OFFSET $4"),
            columns = concat!(product_columns!(), ", ts_rank(p.search, q.query) AS rank"),
            order = order_by(column, page.order),
        );
        let (tsquery, pattern) = (query.prefix_tsquery(), query.contains_pattern());
        // The text added to the SQL comes from validated enums only; the query is bound.
        let rows: Vec<ProductRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&tsquery)
            .bind(&pattern)
            .bind(i64::from(page.limit))
            .bind(offset(page))
            .fetch_all(&self.pool)
            .await?;
        let count = format!(search_matches!(), columns = "count(*)");
        let total: i64 = sqlx::query_scalar(AssertSqlSafe(count))
            .bind(&tsquery)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?;
        to_page(rows, total)
    }
}

async fn fetch<'e>(
    executor: impl Executor<'e, Database = Postgres>,
    id: ProductId,
) -> Result<Option<Product>, StoreError> {
    let row: Option<ProductRow> = sqlx::query_as(concat!(
        "SELECT ",
        product_columns!(),
        " FROM products p WHERE p.id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(executor)
    .await?;
    row.map(Product::try_from).transpose()
}

/// A product this transaction just wrote must be there.
fn written(product: Option<Product>, id: ProductId) -> Result<Product, StoreError> {
    product.ok_or_else(|| StoreError::Corrupt(format!("product {id} vanished while written")))
}

async fn insert_images<'e>(
    executor: impl Executor<'e, Database = Postgres>,
    id: ProductId,
    images: &[String],
) -> Result<(), StoreError> {
    if images.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO product_images (product_id, position, url) \
         SELECT $1, t.position::integer, t.url \
         FROM unnest($2::text[]) WITH ORDINALITY AS t(url, position)",
    )
    .bind(id.as_uuid())
    .bind(images)
    .execute(executor)
    .await?;
    Ok(())
}

fn list_column(sort: ListSort) -> &'static str {
    match sort {
        ListSort::CreatedAt => "p.created_at",
        ListSort::Name => "lower(p.name)",
        ListSort::Price => "p.price",
    }
}

/// `ORDER BY` text with the id as tie-breaker, so pages never overlap or skip rows.
fn order_by(column: &'static str, order: SortOrder) -> String {
    let direction = order.sql();
    format!("{column} {direction}, p.id {direction}")
}

fn offset<S>(page: &Page<S>) -> i64 {
    i64::try_from(page.offset()).unwrap_or(i64::MAX)
}

fn to_page(rows: Vec<ProductRow>, total: i64) -> Result<ProductPage, StoreError> {
    let products = rows
        .into_iter()
        .map(Product::try_from)
        .collect::<Result<_, _>>()?;
    Ok(ProductPage::new(
        products,
        u64::try_from(total).unwrap_or_default(),
    ))
}
