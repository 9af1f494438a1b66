//! Deterministic synthetic users: user `i` always gets the same attributes, so runs compare
//! and queries can name values that exist.
//!
//! Given names are skewed (the first names in the list are far more common, like real ones);
//! emails and phone numbers are unique.

use cognate_idp::BulkUser;
use std::collections::BTreeMap;

/// The most common given name (about 7% of users).
pub const COMMON_GIVEN_NAME: &str = GIVEN_NAMES[0];

/// The largest pool the phone-number scheme (`+1555` + 7 digits) keeps unique.
pub const MAX_USERS: u64 = 10_000_000;

pub fn username(i: u64) -> String {
    format!("user{i}")
}

pub fn email(i: u64) -> String {
    format!("user{i}@example{}.com", i % 100)
}

pub fn user(i: u64) -> BulkUser {
    let r1 = splitmix64(i);
    let r2 = splitmix64(r1);
    let given = GIVEN_NAMES[skewed(r1, GIVEN_NAMES.len())];
    let family = FAMILY_NAMES[(r2 % FAMILY_NAMES.len() as u64) as usize];
    let verified = if r2.is_multiple_of(10) { "false" } else { "true" };
    let attributes = BTreeMap::from([
        ("email".to_owned(), email(i)),
        ("email_verified".to_owned(), verified.to_owned()),
        ("given_name".to_owned(), given.to_owned()),
        ("family_name".to_owned(), family.to_owned()),
        ("name".to_owned(), format!("{given} {family}")),
        ("phone_number".to_owned(), format!("+1555{i:07}")),
    ]);
    BulkUser { username: username(i), attributes }
}

/// An index below `n`, low indices more likely: `n·u²` for `u` uniform in [0, 1), so index 0
/// has probability `√(1/n)`.
fn skewed(r: u64, n: usize) -> usize {
    let u = (r >> 11) as f64 / (1u64 << 53) as f64;
    ((u * u * n as f64) as usize).min(n - 1)
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[rustfmt::skip]
const GIVEN_NAMES: [&str; 200] = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
    "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Dorothy", "George", "Melissa", "Timothy", "Deborah",
    "Ronald", "Stephanie", "Edward", "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia",
    "Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna",
    "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Emma", "Scott", "Nicole", "Brandon", "Helen",
    "Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Alexander", "Debra", "Frank", "Rachel",
    "Patrick", "Carolyn", "Raymond", "Janet", "Jack", "Catherine", "Dennis", "Maria", "Jerry", "Heather",
    "Tyler", "Diane", "Aaron", "Ruth", "Jose", "Julie", "Adam", "Olivia", "Nathan", "Joyce",
    "Henry", "Virginia", "Douglas", "Victoria", "Zachary", "Kelly", "Peter", "Lauren", "Kyle", "Christina",
    "Ethan", "Joan", "Walter", "Evelyn", "Noah", "Judith", "Jeremy", "Megan", "Christian", "Andrea",
    "Keith", "Cheryl", "Roger", "Hannah", "Terry", "Jacqueline", "Gerald", "Martha", "Harold", "Gloria",
    "Sean", "Teresa", "Austin", "Ann", "Carl", "Sara", "Arthur", "Madison", "Lawrence", "Frances",
    "Dylan", "Kathryn", "Jesse", "Janice", "Jordan", "Jean", "Bryan", "Abigail", "Billy", "Alice",
    "Joe", "Julia", "Bruce", "Judy", "Gabriel", "Sophia", "Logan", "Grace", "Albert", "Denise",
    "Willie", "Amber", "Alan", "Doris", "Juan", "Marilyn", "Wayne", "Danielle", "Elijah", "Beverly",
    "Randy", "Isabella", "Roy", "Theresa", "Vincent", "Diana", "Ralph", "Natalie", "Eugene", "Brittany",
    "Russell", "Charlotte", "Bobby", "Marie", "Mason", "Kayla", "Philip", "Alexis", "Louis", "Lori",
];

#[rustfmt::skip]
const FAMILY_NAMES: [&str; 100] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
    "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
    "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
    "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_unique_and_skewed() {
        let a = user(12_345);
        assert_eq!(a.attributes, user(12_345).attributes);
        assert_eq!(a.attributes["email"], "user12345@example45.com");
        assert_eq!(a.attributes["phone_number"], "+15550012345");
        let common = (0..10_000).filter(|&i| user(i).attributes["given_name"] == COMMON_GIVEN_NAME).count();
        assert!((500..1000).contains(&common), "{common}");
    }
}
