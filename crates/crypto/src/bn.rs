//! Constant-time modular exponentiation through aws-lc's `BN_mod_exp_mont_consttime`, the
//! one place Cognate calls C directly. aws-lc is already linked (it is the TLS and RSA
//! provider); its exponentiation is markedly faster than the pure-Rust one on this group,
//! and every SRP sign-in runs two. The wrapper owns every pointer it creates, frees them on
//! every path (secrets with `BN_clear_free`), and turns a failed call into `None`.
#![allow(unsafe_code)]

use aws_lc_sys::{
    BIGNUM, BN_CTX, BN_CTX_free, BN_CTX_new, BN_MONT_CTX, BN_MONT_CTX_free, BN_MONT_CTX_new_for_modulus, BN_bin2bn,
    BN_bn2bin_padded, BN_clear_free, BN_free, BN_mod_exp_mont_consttime, BN_new,
};

/// An owned BIGNUM, cleared and freed on drop.
struct Bn(*mut BIGNUM);

impl Bn {
    fn from_be(bytes: &[u8]) -> Option<Bn> {
        // SAFETY: BN_bin2bn reads exactly `len` bytes from a live slice; a null `ret` asks it
        // to allocate, and a null result (allocation failure) is checked.
        let p = unsafe { BN_bin2bn(bytes.as_ptr(), bytes.len(), std::ptr::null_mut()) };
        (!p.is_null()).then_some(Bn(p))
    }

    fn new() -> Option<Bn> {
        // SAFETY: BN_new has no preconditions; a null result is checked.
        let p = unsafe { BN_new() };
        (!p.is_null()).then_some(Bn(p))
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_new/BN_bin2bn and is freed exactly once.
        unsafe { BN_clear_free(self.0) }
    }
}

struct Ctx(*mut BN_CTX);

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_CTX_new and is freed exactly once.
        unsafe { BN_CTX_free(self.0) }
    }
}

fn ctx() -> Option<Ctx> {
    // SAFETY: BN_CTX_new has no preconditions; a null result is checked.
    let p = unsafe { BN_CTX_new() };
    (!p.is_null()).then_some(Ctx(p))
}

/// A modulus with its precomputed Montgomery context, made once and shared read-only.
pub(crate) struct Modulus {
    n: *mut BIGNUM,
    mont: *mut BN_MONT_CTX,
    len: usize,
}

// SAFETY: after construction the BIGNUM and BN_MONT_CTX are only read (aws-lc documents a
// BN_MONT_CTX as safe to use from several threads once created).
unsafe impl Send for Modulus {}
// SAFETY: as above; no method takes `&mut` or mutates through the pointers.
unsafe impl Sync for Modulus {}

impl Modulus {
    pub fn new(n_be: &[u8]) -> Option<Modulus> {
        let n = Bn::from_be(n_be)?;
        let ctx = ctx()?;
        // SAFETY: `n` and `ctx` are live; a null result is checked.
        let mont = unsafe { BN_MONT_CTX_new_for_modulus(n.0, ctx.0) };
        if mont.is_null() {
            return None;
        }
        let n = std::mem::ManuallyDrop::new(n);
        Some(Modulus { n: n.0, mont, len: n_be.len() })
    }

    /// `base^exp mod n` as big-endian bytes of the modulus' length; `base` must be below `n`.
    pub fn pow(&self, base: &[u8], exp: &[u8]) -> Option<Vec<u8>> {
        let (a, p, r, ctx) = (Bn::from_be(base)?, Bn::from_be(exp)?, Bn::new()?, ctx()?);
        // SAFETY: every pointer is live for the call; `r` is distinct from the inputs.
        let ok = unsafe { BN_mod_exp_mont_consttime(r.0, a.0, p.0, self.n, ctx.0, self.mont) };
        if ok != 1 {
            return None;
        }
        let mut out = vec![0u8; self.len];
        // SAFETY: `out` has exactly `len` writable bytes; the result is below `n`, so it fits.
        let ok = unsafe { BN_bn2bin_padded(out.as_mut_ptr(), out.len(), r.0) };
        (ok == 1).then_some(out)
    }
}

impl Drop for Modulus {
    fn drop(&mut self) {
        // SAFETY: both pointers were created in `new` and are freed exactly once.
        unsafe {
            BN_MONT_CTX_free(self.mont);
            BN_free(self.n);
        }
    }
}
