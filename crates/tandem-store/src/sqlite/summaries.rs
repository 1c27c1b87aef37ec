//! `Store::list_summaries` on SQLite: two queries in one read transaction; no aggregate is
//! assembled and no plan, integration or dependency list is read. Checklists are counted in Rust
//! by a parse that keeps only each item's `checked` (texts are skipped, not copied): on the
//! generated workspace (8,000 children, 5.9 MB of checklists) SQLite's own `json_each` took four
//! times as long as reading the rows.

use super::{issue_ref, json, map_row_err, parse, parse_ts, repo};
use crate::error::{Context, Result};
use rusqlite::{Connection, Row};
use std::collections::HashMap;
use tandem_model::coordination::Hold;
use tandem_model::{ChildSummary, CoordId, CoordinationSummary};

const COORDINATIONS: &str =
    "SELECT id, key, title, change_type, priority, strategy, status, hold, issue, created_at, updated_at \
     FROM coordinations ORDER BY id";

const CHILDREN: &str =
    "SELECT coord_id, repo, weight, status, hold, checklist FROM children ORDER BY coord_id, position";

/// What the counts need of a checklist item.
#[derive(serde::Deserialize)]
struct Tick {
    checked: bool,
}

fn coordination(r: &Row) -> rusqlite::Result<CoordinationSummary> {
    let hold: Option<String> = r.get(7)?;
    Ok(CoordinationSummary {
        id: CoordId(r.get(0)?),
        key: r.get(1)?,
        title: r.get(2)?,
        change_type: parse(r.get(3)?)?,
        priority: parse(r.get(4)?)?,
        strategy: parse(r.get(5)?)?,
        status: parse(r.get(6)?)?,
        hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
        issue: issue_ref(r.get(8)?)?,
        created_at: parse_ts(&r.get::<_, String>(9)?)?,
        updated_at: parse_ts(&r.get::<_, String>(10)?)?,
        children: Vec::new(),
    })
}

/// (ticked, total) items of a stored checklist.
fn counts(r: &Row, i: usize) -> rusqlite::Result<(usize, usize)> {
    let text = r.get_ref(i)?.as_str()?;
    let items: Vec<Tick> = json(text)?;
    Ok((items.iter().filter(|t| t.checked).count(), items.len()))
}

fn child(r: &Row) -> rusqlite::Result<(i64, ChildSummary)> {
    let hold: Option<String> = r.get(4)?;
    let (checked, total) = counts(r, 5)?;
    Ok((
        r.get(0)?,
        ChildSummary {
            repo: repo(r.get(1)?)?,
            weight: r.get(2)?,
            status: parse(r.get(3)?)?,
            hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
            checked,
            total,
        },
    ))
}

pub(super) fn list(conn: &mut Connection) -> Result<Vec<CoordinationSummary>> {
    // One read transaction: the children belong to the coordinations read.
    let tx = conn.transaction().ctx("starting a read")?;
    let mut coords: Vec<CoordinationSummary> = {
        let mut stmt = tx.prepare_cached(COORDINATIONS).ctx("listing coordinations")?;
        let rows = stmt.query_map([], coordination).and_then(|rows| rows.collect());
        rows.map_err(map_row_err("listing coordinations"))?
    };
    let index: HashMap<i64, usize> = coords.iter().enumerate().map(|(i, c)| (c.id.0, i)).collect();
    {
        let mut stmt = tx.prepare_cached(CHILDREN).ctx("listing children")?;
        let rows = stmt.query_map([], child).map_err(map_row_err("listing children"))?;
        for row in rows {
            let (id, ch) = row.map_err(map_row_err("listing children"))?;
            if let Some(&i) = index.get(&id) {
                coords[i].children.push(ch);
            }
        }
    }
    tx.commit().ctx("ending a read")?;
    Ok(coords)
}
