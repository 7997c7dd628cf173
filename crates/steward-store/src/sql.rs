//! Dynamic SQL for lists with optional filters: text with `$n` placeholders plus the values
//! to bind, in order. Only values are ever bound; identifiers come from code, never input.

#[derive(Debug, Clone)]
pub enum Arg {
    I64(i64),
    Bool(bool),
    Text(String),
    OptI64(Option<i64>),
    OptText(Option<String>),
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptI64(v)
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::OptText(v.map(str::to_owned))
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
    /// Placeholders are `?`, bound in order, instead of `$n` (SQLite only, and only when the
    /// text has no `$n` of its own): SQLite looks a numbered parameter's name up in a list
    /// on every bind, so binding a statement of n numbered values costs n², and a bulk
    /// insert of thousands of values spends more time binding than inserting.
    pub anonymous: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
            anonymous: false,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.args.len().to_string());
        }
        self
    }

    /// Appends `AND <column> <op> $n` when a filter value is given.
    pub fn and_opt<T: Into<Arg>>(&mut self, clause: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.push(" AND ").push(clause).push(" ").bind(v);
        }
        self
    }
}

impl Sql {
    /// Appends `(…)` with a placeholder per value: one row of a multi-row `VALUES` list.
    pub fn row(&mut self, values: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }

    /// Appends `(…)` with one placeholder per id, for `IN` lists.
    pub fn in_list(&mut self, ids: &[i64]) -> &mut Self {
        self.push("(");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(*id);
        }
        self.push(")")
    }

    /// Appends a case-insensitive "contains" filter on `expr` when `q` is given.
    pub fn and_contains(&mut self, expr: &str, q: Option<&str>) -> &mut Self {
        if let Some(q) = q {
            self.push(" AND lower(")
                .push(expr)
                .push(") LIKE ")
                .bind(like(q))
                .push(" ESCAPE '\\'");
        }
        self
    }
}

/// A LIKE pattern matching `q` anywhere, with LIKE's wildcards in `q` taken literally.
fn like(q: &str) -> String {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The two queries behind a page of a list: the total, and the rows of the page.
pub struct Listing {
    pub count: Sql,
    pub items: Sql,
}

impl Listing {
    /// `select` is `SELECT cols FROM t`, `from` is `FROM t` (for the count), `filter` starts
    /// with ` WHERE`, `order` is the ORDER BY list (ending in a unique column for stable pages).
    pub fn new(
        select: &str,
        from: &str,
        filter: Sql,
        order: &str,
        page: steward_domain::foundation::page::PageRequest,
    ) -> Self {
        let mut count = Sql::new("SELECT COUNT(*) ");
        count.push(from).push(&filter.text);
        count.args = filter.args.clone();
        let mut items = Sql::new(select);
        items.push(&filter.text);
        items.args = filter.args;
        items.push(" ORDER BY ").push(order);
        items.push(" LIMIT ").bind(i64::from(page.limit));
        items.push(" OFFSET ").bind(page.offset as i64);
        Self { count, items }
    }
}

/// Runs a [`Listing`] on an `Ex`, giving `Result<(Vec<Row>, i64)>`.
macro_rules! fetch_listing {
    ($ex:expr, $listing:expr, $row:ty) => {{
        let listing: $crate::sql::Listing = $listing;
        $crate::on!($ex, c => {
            let total: i64 = $crate::sql::bind_args!(
                sqlx::query_scalar(sqlx::AssertSqlSafe(listing.count.text)), &listing.count.args)
                .fetch_one(&mut *c).await?;
            let rows: Vec<$row> = $crate::sql::bind_args!(
                sqlx::query_as(sqlx::AssertSqlSafe(listing.items.text)), &listing.items.args)
                .fetch_all(&mut *c).await?;
            Ok::<_, $crate::StoreError>((rows, total))
        })
    }};
}
pub(crate) use fetch_listing;

/// Binds every argument of a [`Sql`] to a sqlx query, for whichever backend it runs on.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                $crate::sql::Arg::I64(v) => q.bind(*v),
                $crate::sql::Arg::Bool(v) => q.bind(*v),
                $crate::sql::Arg::Text(v) => q.bind(v.clone()),
                $crate::sql::Arg::OptI64(v) => q.bind(*v),
                $crate::sql::Arg::OptText(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}
pub(crate) use bind_args;
