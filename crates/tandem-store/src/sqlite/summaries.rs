//! `Store::list_summaries` on SQLite: two queries in one read transaction, the checklists
//! counted by SQLite's JSON functions, so no aggregate is assembled and no checklist, plan or
//! integration is parsed in Rust.

use super::{issue_ref, json, map_row_err, parse, parse_ts, repo};
use crate::error::{Context, Result};
use rusqlite::{Connection, Row};
use std::collections::HashMap;
use tandem_model::coordination::Hold;
use tandem_model::{ChildSummary, CoordId, CoordinationSummary};

const COORDINATIONS: &str =
    "SELECT id, key, title, change_type, priority, strategy, status, hold, issue, created_at, updated_at \
     FROM coordinations ORDER BY id";

/// Per child: the checklist's length and how many of its items are ticked.
const CHILDREN: &str = "SELECT coord_id, repo, weight, status, hold, json_array_length(checklist), \
       (SELECT count(*) FROM json_each(children.checklist) AS item WHERE item.value ->> 'checked') \
     FROM children ORDER BY coord_id, position";

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

fn count(r: &Row, i: usize) -> rusqlite::Result<usize> {
    let n: i64 = r.get(i)?;
    usize::try_from(n).map_err(|_| super::corrupt(format!("checklist count {n}")))
}

fn child(r: &Row) -> rusqlite::Result<(i64, ChildSummary)> {
    let hold: Option<String> = r.get(4)?;
    Ok((
        r.get(0)?,
        ChildSummary {
            repo: repo(r.get(1)?)?,
            weight: r.get(2)?,
            status: parse(r.get(3)?)?,
            hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
            total: count(r, 5)?,
            checked: count(r, 6)?,
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
