//! [`OptSignal`], [`ValSignal`], [`IndexSignal`] and [`Seq`]: values of many types through one
//! instantiation of Leptos's signal code each, and [`effect`], every effect through one.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use leptos::prelude::*;

type Erased = Option<Arc<dyn Any + Send + Sync>>;

/// A signal of an `Option<T>`, held type-erased in an `RwSignal<Option<Arc<dyn Any>>>`: every
/// `OptSignal` shares that one signal type's code, where an `RwSignal<Option<T>>` per `T` would
/// instantiate Leptos's signal machinery (about 1.3 KB of wasm) once per type. Reads and writes
/// behave as an `RwSignal<Option<T>>`'s: `get` tracks, `get_untracked` does not, `set` and
/// `update` notify; the value is cloned out on read, as `get` does.
pub struct OptSignal<T> {
    inner: RwSignal<Erased>,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for OptSignal<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for OptSignal<T> {}

impl<T: Clone + Send + Sync + 'static> OptSignal<T> {
    /// Starts empty.
    pub fn new() -> Self {
        OptSignal {
            inner: RwSignal::new(None),
            _value: PhantomData,
        }
    }

    fn typed(erased: Erased) -> Option<T> {
        // Only `set` writes, always with a `T`: the downcast cannot miss.
        erased.and_then(|a| a.downcast_ref::<T>().cloned())
    }

    pub fn get(&self) -> Option<T> {
        Self::typed(self.inner.get())
    }

    pub fn get_untracked(&self) -> Option<T> {
        Self::typed(self.inner.get_untracked())
    }

    pub fn set(&self, value: Option<T>) {
        self.inner
            .set(value.map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>));
    }

    /// Changes the value in place (through a copy) and notifies, as `RwSignal::update`.
    pub fn update(&self, f: impl FnOnce(&mut Option<T>)) {
        let mut value = self.get_untracked();
        f(&mut value);
        self.set(value);
    }

    /// `f` of the value, untracked.
    pub fn with_untracked<R>(&self, f: impl FnOnce(&Option<T>) -> R) -> R {
        f(&self.get_untracked())
    }
}

/// A signal of a `T` that always has a value, held like [`OptSignal`]'s (so it shares the same
/// signal code): `get` tracks, `get_untracked` does not, `set` notifies, `track` subscribes.
pub struct ValSignal<T> {
    inner: OptSignal<T>,
}

impl<T> Clone for ValSignal<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ValSignal<T> {}

impl<T: Clone + Send + Sync + 'static> ValSignal<T> {
    pub fn new(value: T) -> Self {
        let inner = OptSignal::new();
        inner.inner.set(Some(Arc::new(value)));
        ValSignal { inner }
    }

    pub fn get(&self) -> T {
        // Created with a value, and `set` always writes one.
        self.inner.get().expect("a ValSignal always holds a value")
    }

    pub fn get_untracked(&self) -> T {
        self.inner
            .get_untracked()
            .expect("a ValSignal always holds a value")
    }

    pub fn set(&self, value: T) {
        self.inner.set(Some(value));
    }

    pub fn track(&self) {
        self.inner.inner.track();
    }
}

/// A fieldless enum kept in an [`IndexSignal`].
pub trait Indexed: Copy + 'static {
    /// Every variant, in declaration order (so `ALL[v as usize] == v`).
    const ALL: &'static [Self];
    fn index(self) -> usize;
}

/// A signal of a fieldless enum, held as the variant's index in an `RwSignal<usize>`: every such
/// signal shares the `usize` signal's code (the page has `usize` signals anyway) instead of
/// instantiating Leptos's signal machinery once per enum. Reads and writes behave as an
/// `RwSignal<E>`'s (tracked `get`, `get_untracked`, `set` notifies).
pub struct IndexSignal<E> {
    index: RwSignal<usize>,
    _enum: core::marker::PhantomData<fn() -> E>,
}

impl<E> Clone for IndexSignal<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for IndexSignal<E> {}

impl<E: Indexed> IndexSignal<E> {
    pub fn new(value: E) -> Self {
        IndexSignal {
            index: RwSignal::new(value.index()),
            _enum: core::marker::PhantomData,
        }
    }

    pub fn get(&self) -> E {
        E::ALL[self.index.get()]
    }

    pub fn get_untracked(&self) -> E {
        E::ALL[self.index.get_untracked()]
    }

    pub fn set(&self, value: E) {
        self.index.set(value.index());
    }
}

/// A sequence number, bumped when a newer request supersedes older ones and read untracked; kept
/// in an `RwSignal<usize>` (the page has those anyway) rather than a `StoredValue<u64>`, which
/// would bring its own copy of Leptos's stored-value code.
#[derive(Clone, Copy)]
pub struct Seq(RwSignal<usize>);

impl Seq {
    pub fn new() -> Seq {
        Seq(RwSignal::new(0))
    }

    /// Moves to the next number (nothing subscribes to it, so nothing re-runs).
    pub fn bump(&self) {
        self.0.set(self.0.get_untracked().wrapping_add(1));
    }

    pub fn get_value(&self) -> usize {
        self.0.get_untracked()
    }
}

/// Runs `f` now and again whenever a signal it read changes, as `Effect::new(move |_| f())`; every
/// effect of the page goes through one instantiation of Leptos's effect code.
pub fn effect(f: impl Fn() + 'static) {
    erased_effect(Box::new(f));
}

#[inline(never)]
fn erased_effect(f: Box<dyn Fn()>) {
    Effect::new(move |_| f());
}
