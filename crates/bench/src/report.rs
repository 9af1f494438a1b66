//! What a benchmark prints: facts, the crypto floor and context costs, then tables.

use crate::floor::Cost;

pub struct Report {
    title: String,
    facts: Vec<(String, String)>,
    /// The unavoidable per-operation crypto work (password hashing, token signing...); the
    /// figures can never beat it. Empty means the operation has none.
    floor: Vec<Cost>,
    floor_none: String,
    /// Other per-request costs worth printing beside the figures (e.g. SigV4 verification).
    context: Vec<Cost>,
    tables: Vec<(String, Table)>,
    notes: Vec<String>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            facts: crate::machine::facts(),
            floor: Vec::new(),
            floor_none: String::new(),
            context: Vec::new(),
            tables: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn fact(&mut self, label: &str, value: impl Into<String>) {
        self.facts.push((label.into(), value.into()));
    }

    pub fn floor(&mut self, cost: Cost) {
        self.floor.push(cost);
    }

    /// Says why the operation has no crypto floor.
    pub fn no_floor(&mut self, why: &str) {
        self.floor_none = why.into();
    }

    pub fn context(&mut self, cost: Cost) {
        self.context.push(cost);
    }

    pub fn table(&mut self, title: &str, table: Table) {
        self.tables.push((title.into(), table));
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn print(&self) {
        println!();
        println!("== {} ==", self.title);
        let width = self.facts.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max("crypto floor".len());
        for (label, value) in &self.facts {
            println!("{label:<width$} : {value}");
        }
        if self.floor.is_empty() {
            println!("{:<width$} : none ({})", "crypto floor", self.floor_none);
        } else {
            println!("{:<width$} :", "crypto floor");
            print_costs(&self.floor);
        }
        if !self.context.is_empty() {
            println!("{:<width$} :", "context");
            print_costs(&self.context);
        }
        for (title, table) in &self.tables {
            println!();
            println!("{title}");
            table.print();
        }
        if !self.notes.is_empty() {
            println!();
            for note in &self.notes {
                println!("* {note}");
            }
        }
    }
}

fn print_costs(costs: &[Cost]) {
    let width = costs.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in costs {
        let us = c.per_op.as_secs_f64() * 1e6;
        let per_sec = if us > 0.0 { 1e6 / us } else { 0.0 };
        println!("  {:<width$}  {us:>9.2} µs/op  ({} op/s on one core)", c.name, thousands(per_sec as u64));
    }
}

/// A plain text table: the first column left-aligned, the others right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn print(&self) {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate().take(cols) {
                let pad = w.saturating_sub(cell.chars().count());
                if i == 0 {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(pad));
                } else {
                    out.push_str("  ");
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                }
            }
            println!("{}", out.trim_end());
        };
        line(&self.header);
        let total: usize = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
        println!("{}", "-".repeat(total));
        for row in &self.rows {
            line(row);
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with three decimals.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// A byte count in MiB or GiB.
pub fn bytes(n: u64) -> String {
    let mib = n as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 { format!("{:.2} GiB", mib / 1024.0) } else { format!("{mib:.1} MiB") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(ms(std::time::Duration::from_micros(1500)), "1.500");
    }
}
