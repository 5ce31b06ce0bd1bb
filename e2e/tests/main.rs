//! The end-to-end suite: headless Chromium, the built page, a fresh sandbox tenant per test.

mod delivery;
mod deploy;
mod embed;
mod faults;
mod foundation;
mod print;
mod scan;
mod security;
mod signin;
mod workflow;

fn main() {
    e2e::run_suite(e2e::tests![
        foundation::page_mounts,
        signin::redirect_shows_admin,
        signin::no_token_in_storage,
        signin::tampered_state_refused,
        signin::popup_from_iframe,
        embed::portal_prefills_and_gets_receipt,
        embed::foreign_messages_ignored,
        embed::refused_when_framed_by_others,
        embed::theme_from_config,
        embed::bad_theme_explained,
        print::sheet_alone_on_paper,
        signin::missing_mail_send_reported,
        deploy::base_path_signs_in,
        signin::sign_out_forgets,
        security::csp_in_built_page,
        security::page_signs_in_under_csp,
        workflow::user_admin_resets_cloud_user,
        workflow::receipt_links_entra_audit_entry,
        workflow::audit_lookup_without_permission_explained,
        workflow::pam_resets_global_admin,
        workflow::helpdesk_refused_for_global_admin,
        workflow::synced_writeback_failure,
        workflow::guest_refused,
        workflow::tap_run,
        workflow::mailboxless_admin_gets_password_shown,
        workflow::html_named_user_is_inert,
        workflow::find_after_token_expiry,
        workflow::find_states_said_plainly,
        faults::storm_on_reset,
        faults::storm_on_send_mail,
        faults::unavailable_then_success,
        faults::gateway_timeout_on_reset_repeats_same_password,
        faults::latency_on_every_call,
        faults::token_expired_mid_run,
        faults::reset_throttled_beyond_retries,
        faults::reset_unknown_beyond_retries,
        faults::send_mail_unavailable_beyond_retries,
        faults::send_mail_unknown_not_repeated,
        faults::leaving_during_a_run_asks_first,
        scan::nothing_leaks_after_full_runs,
        delivery::tap_advice_from_methods,
        delivery::methods_unknown_without_permission,
        delivery::sealed_link_run,
        delivery::encryption_header_reaches_the_outbox,
        delivery::split_delivery_run,
        delivery::split_details_refused_then_retried,
        delivery::split_sealed_link_run,
    ]);
}
