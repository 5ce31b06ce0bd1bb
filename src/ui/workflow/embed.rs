//! The workflow's side of embedding: a target and ticket the portal sent are filled in (and the
//! search started) while composing, and each receipt is posted to the portal as `completed`.

use leptos::prelude::*;

use super::find::schedule;
use super::state::{Flow, Stage};
use crate::embed::Outbound;
use crate::ui::signals::effect;
use crate::ui::{embed, AppCtx};

/// Wires the workflow to the portal; does nothing visible when the page is not framed.
pub fn wire(app: AppCtx, flow: Flow) {
    effect(move || {
        if flow.stage.get() != Stage::Compose {
            return;
        }
        let Some(prefill) = app.prefill.get() else {
            return;
        };
        app.prefill.set(None);
        if let Some(ticket) = prefill.ticket {
            flow.ticket.set(ticket);
        }
        if let Some(user) = prefill.user {
            flow.query.set(user.clone());
            schedule(app, flow, user);
        }
    });
    effect(move || {
        let Some(receipt) = flow.receipt.get() else {
            return;
        };
        // The receipt holds no secret (it has no field that could); see workflow::receipt.
        embed::post(
            &app,
            &Outbound::Completed {
                receipt: receipt.to_value(),
            },
        );
    });
}
