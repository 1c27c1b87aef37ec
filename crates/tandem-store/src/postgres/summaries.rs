//! `Store::list_summaries` on PostgreSQL: two queries in one read-only snapshot, the checklists
//! counted by the server (`json_array_elements`), so no aggregate is assembled and no checklist,
//! plan or integration crosses the wire.

use super::{corrupt, get, issue_ref, json, parse, repo, rows_ctx, Pool};
use crate::error::{Context, Result};
use postgres::Row;
use std::collections::HashMap;
use tandem_model::coordination::Hold;
use tandem_model::{ChildSummary, CoordId, CoordinationSummary};

const COORDINATIONS: &str =
    "SELECT id, key, title, change_type, priority, strategy, status, hold, issue, created_at, updated_at \
     FROM coordinations ORDER BY id";

/// Per child: the checklist's length and how many of its items are ticked.
const CHILDREN: &str = "SELECT c.coord_id, c.repo, c.weight, c.status, c.hold, k.total, k.checked \
     FROM children AS c CROSS JOIN LATERAL ( \
       SELECT count(*) AS total, count(*) FILTER (WHERE (item ->> 'checked')::boolean) AS checked \
       FROM json_array_elements(c.checklist::json) AS item) AS k \
     ORDER BY c.coord_id, c.position";

fn coordination(r: &Row) -> Result<CoordinationSummary> {
    let hold: Option<String> = get(r, 7)?;
    Ok(CoordinationSummary {
        id: CoordId(get(r, 0)?),
        key: get(r, 1)?,
        title: get(r, 2)?,
        change_type: parse(get(r, 3)?)?,
        priority: parse(get(r, 4)?)?,
        strategy: parse(get(r, 5)?)?,
        status: parse(get(r, 6)?)?,
        hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
        issue: issue_ref(get(r, 8)?)?,
        created_at: get(r, 9)?,
        updated_at: get(r, 10)?,
        children: Vec::new(),
    })
}

fn count(r: &Row, i: usize) -> Result<usize> {
    let n: i64 = get(r, i)?;
    usize::try_from(n).map_err(|_| corrupt(format!("checklist count {n}")))
}

fn child(r: &Row) -> Result<(i64, ChildSummary)> {
    let hold: Option<String> = get(r, 4)?;
    let weight: i64 = get(r, 2)?;
    Ok((
        get(r, 0)?,
        ChildSummary {
            repo: repo(get(r, 1)?)?,
            weight: u32::try_from(weight).map_err(|_| corrupt(format!("child weight {weight}")))?,
            status: parse(get(r, 3)?)?,
            hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
            total: count(r, 5)?,
            checked: count(r, 6)?,
        },
    ))
}

pub(super) fn list(pool: &Pool) -> Result<Vec<CoordinationSummary>> {
    let mut conn = pool.get()?;
    let mut tx = conn
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .ctx("starting a transaction")?;
    let mut coords = rows_ctx(tx.query(COORDINATIONS, &[]), "listing coordinations", coordination)?;
    let index: HashMap<i64, usize> = coords.iter().enumerate().map(|(i, c)| (c.id.0, i)).collect();
    for row in &tx.query(CHILDREN, &[]).ctx("listing children")? {
        let (id, ch) = child(row)?;
        if let Some(&i) = index.get(&id) {
            coords[i].children.push(ch);
        }
    }
    tx.commit().ctx("ending a read")?;
    Ok(coords)
}
