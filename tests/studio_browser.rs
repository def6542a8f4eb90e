//! Studio in a real browser: headless Chromium (started here, stopped by its PID) drives the
//! offline workspace's `/studio` pages while the seed's model really serves.
//!
//! The seed's rollout (the tutorial's churn model trained with the environment's own
//! scikit-learn, `score.py`, endpoint `churn-prediction-v1`, deployments blue and green,
//! blue at 100 %), then in the browser: the endpoint page lists the endpoint and both
//! deployments; the traffic form moves 100/0 to 90/10 and the next 100 calls split within
//! ±3 %; the monitoring chart counts the calls this test sent; the Test tab answers with the
//! model's prediction; a change without the token is refused; the logs page follows. Every
//! page is captured at 1280×800 (into `$AZML_STUDIO_SCREENSHOTS` when set, as the README's
//! `docs/studio/*.png` were), its weight and first paint printed.
//!
//! Needs Python 3 and Chromium; skipped loudly without them, failed under CI.
#![cfg(feature = "local")]

mod browser_support;
mod local_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use browser_support::{chromium_available, png_size, spki_sha256, Browser};
use local_support::*;
use serde_json::{json, Value};

const ENDPOINT: &str = "churn-prediction-v1";

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/assets")
}

/// The seed: its model trained with the environment's Python, registered with its scoring
/// script and environment; the endpoint with blue (100 %) and green (0 %).
async fn deploy_seed(w: &Ws) {
    let conda = std::fs::read_to_string(assets().join("environment/conda.yml")).unwrap();
    let python =
        w.ws.environment_python(&conda)
            .await
            .expect("the seed's environment builds");
    let model_path = w.ws.dir().join("train/model.pkl");
    let trained = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::process::Command::new(&python)
            .arg(assets().join("train_model.py"))
            .arg(&model_path)
            .kill_on_drop(true)
            .status(),
    )
    .await
    .expect("training ends in time")
    .unwrap();
    assert!(trained.success(), "train_model.py failed");
    let score_py = std::fs::read(assets().join("scoring/score.py")).unwrap();
    let model = std::fs::read(&model_path).unwrap();

    let code_uri = w
        .upload("codes", "churn-scoring", "1", &[("score.py", score_py)])
        .await;
    let (s, v, _) = w
        .arm(
            "PUT",
            "codes/churn-scoring/versions/1",
            Some(json!({"properties": {"codeUri": code_uri}})),
        )
        .await;
    assert!(s < 300, "{v}");
    let model_folder = w
        .upload("codes", "churn-model-files", "1", &[("model.pkl", model)])
        .await;
    let (s, v, _) = w
        .arm(
            "PUT",
            "models/customer-churn-model/versions/1",
            Some(json!({"properties": {
                "modelType": "custom_model",
                "description": "Gradient boosting classifier for customer churn prediction",
                "modelUri": format!("{model_folder}/model.pkl")
            }})),
        )
        .await;
    assert!(s < 300, "{v}");
    let (s, v, _) = w
        .arm(
            "PUT",
            "environments/churn-model-env/versions/1",
            Some(json!({"properties": {
                "condaFile": conda,
                "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest"
            }})),
        )
        .await;
    assert!(s < 300, "{v}");

    let endpoint = json!({
        "location": "eastus",
        "identity": {"type": "SystemAssigned"},
        "tags": {"team": "data-science", "project": "churn"},
        "properties": {"authMode": "Key", "description": "Real-time customer churn prediction endpoint"}
    });
    let created = w
        .put_and_wait(&format!("onlineEndpoints/{ENDPOINT}"), endpoint.clone())
        .await;
    assert_eq!(created["properties"]["provisioningState"], "Succeeded");
    for name in ["blue", "green"] {
        let body = deployment_body(
            &w.id("codes/churn-scoring/versions/1"),
            &w.id("models/customer-churn-model/versions/1"),
            &w.id("environments/churn-model-env/versions/1"),
            1,
            json!({}),
        );
        let d = w
            .put_and_wait(
                &format!("onlineEndpoints/{ENDPOINT}/deployments/{name}"),
                body,
            )
            .await;
        assert_eq!(d["properties"]["provisioningState"], "Succeeded", "{d}");
    }
    // Step 7 of the seed: autoscale on blue, out by one above 70 % CPU over five minutes.
    let blue = w.id(&format!("onlineEndpoints/{ENDPOINT}/deployments/blue"));
    let setting = json!({"location": "eastus", "properties": {
    "enabled": true, "targetResourceUri": blue,
    "profiles": [{"name": "default", "capacity": {"minimum": "1", "maximum": "5", "default": "1"},
        "rules": [{
            "metricTrigger": {"metricName": "CpuUtilizationPercentage", "metricResourceUri": blue,
                "timeGrain": "PT1M", "statistic": "Average", "timeWindow": "PT5M",
                "timeAggregation": "Average", "operator": "GreaterThan", "threshold": 70},
            "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"}
        }]}]}});
    let response = w
        .http
        .put(format!(
            "{}/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.Insights/autoscalesettings/churn-autoscale?api-version=2022-10-01",
            w.base
        ))
        .bearer_auth("fake-token|https://127.0.0.1|test")
        .header("content-type", "application/json")
        .body(setting.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "autoscale setting");

    let mut all_blue = endpoint;
    all_blue["properties"]["traffic"] = json!({"blue": 100});
    let updated = w
        .put_and_wait(&format!("onlineEndpoints/{ENDPOINT}"), all_blue)
        .await;
    assert_eq!(updated["properties"]["traffic"], json!({"blue": 100}));
}

/// Page weight and timings of the page on screen: HTML bytes, CSS+JS bytes fetched for it,
/// server time (request sent → first byte), first contentful paint (from navigation start).
async fn measure(browser: &mut Browser) -> (u64, u64, f64, f64) {
    let m = browser
        .eval(
            "new Promise(done => { const t0 = Date.now(); const look = () => {
               const n = performance.getEntriesByType('navigation')[0];
               const fcp = performance.getEntriesByName('first-contentful-paint')[0];
               const res = performance.getEntriesByType('resource').filter(r => /studio\\.(css|js)/.test(r.name)).reduce((a, r) => a + r.decodedBodySize, 0);
               if (fcp || Date.now() - t0 > 3000) done({ html: n.decodedBodySize, res, fcp: fcp ? fcp.startTime : -1,
                 server: n.responseStart - n.requestStart, response: n.responseEnd, dcl: n.domContentLoadedEventEnd });
               else setTimeout(look, 50); }; look(); })",
        )
        .await;
    let html = m["html"].as_u64().unwrap_or(0);
    let resources = m["res"].as_u64().unwrap_or(0);
    let fcp = m["fcp"].as_f64().unwrap_or(-1.0);
    let server = m["server"].as_f64().unwrap_or(-1.0);
    (html, resources, server, fcp)
}

/// Loads each page `runs` times; prints its weight and the median and best of its server
/// time and first contentful paint. Returns (page, HTML bytes, CSS+JS bytes, median FCP).
async fn timings(
    browser: &mut Browser,
    pages: &[(&str, String)],
    runs: usize,
) -> Vec<(String, u64, u64, f64)> {
    let mut out = Vec::new();
    for (name, url) in pages {
        let mut servers = Vec::new();
        let mut paints = Vec::new();
        let (mut html, mut assets) = (0, 0);
        for run in 0..runs {
            browser.goto(url).await;
            let (h, a, server, fcp) = measure(browser).await;
            html = h;
            if run == 0 || a > 0 {
                assets = assets.max(a);
            }
            servers.push(server);
            paints.push(fcp);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2], v[0])
        };
        let (server, server_best) = median(&mut servers);
        let (fcp, fcp_best) = median(&mut paints);
        println!(
            "studio page {name:<11} html {html:>6} B, css+js {assets:>5} B, server {server:>6.1} ms (best {server_best:.1}), \
             first contentful paint {fcp:>6.1} ms (best {fcp_best:.1}), {runs} loads"
        );
        out.push(((*name).to_owned(), html, assets, fcp));
    }
    out
}

async fn capture(browser: &mut Browser, name: &str, out: &Path) {
    let png = browser.screenshot().await;
    assert_eq!(png_size(&png), Some((1280, 800)), "{name}: a 1280×800 PNG");
    std::fs::write(out.join(format!("{name}.png")), png).unwrap();
}

async fn text(browser: &mut Browser, selector: &str) -> String {
    browser
        .eval(&format!(
            "(document.querySelector({}) || {{}}).textContent || ''",
            json!(selector)
        ))
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn studio_in_chromium_traffic_monitoring_test_tab_and_token() {
    if !python_available() || !chromium_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = Ws::start(dir.path()).await;
    deploy_seed(&w).await;
    let (key, _) = w.keys(ENDPOINT).await;
    // Every scoring call this test sends (directly or through the Test tab) is counted.
    let mut sent = 0u64;

    let shots = std::env::var_os("AZML_STUDIO_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("screenshots"));
    std::fs::create_dir_all(&shots).unwrap();

    let mut browser = Browser::start(&[spki_sha256(w.ws.ca_pem())]).await;
    let pid = browser.pid();
    let home = w.ws.studio_home().to_string();
    let details = format!("{home}/endpoints/{ENDPOINT}");

    // The banner's link: the token becomes a cookie, the address bar loses it.
    browser.goto(w.ws.studio_url().as_str()).await;
    assert_eq!(browser.eval("location.href").await, json!(home));
    assert_eq!(browser.eval("location.search").await, json!(""));
    let row = text(&mut browser, &format!("[data-endpoint=\"{ENDPOINT}\"]")).await;
    assert!(row.contains("Succeeded") && row.contains("Key"), "{row}");
    assert!(row.contains("blue 100 %"), "{row}");
    assert!(
        row.contains(&format!("{}/endpoints/{ENDPOINT}/score", w.base)),
        "{row}"
    );
    assert!(text(&mut browser, ".top").await.contains("Changes allowed"));
    capture(&mut browser, "endpoints", &shots).await;

    // The endpoint page: both deployments, their state, model and environment versions.
    browser.goto(&details).await;
    for d in ["blue", "green"] {
        let card = text(&mut browser, &format!("[data-deployment=\"{d}\"]")).await;
        assert!(card.contains("Succeeded"), "{d}: {card}");
        assert!(card.contains("customer-churn-model:1"), "{d}: {card}");
        assert!(card.contains("churn-model-env:1"), "{d}: {card}");
        assert!(card.contains("1 of 1 ready"), "{d}: {card}");
        assert!(card.contains("Standard_DS3_v2"), "{d}: {card}");
    }
    assert_eq!(
        browser
            .eval("document.getElementById('traffic-blue').value")
            .await,
        json!("100")
    );

    // 100/0 → 90/10 through the form.
    browser
        .submit(
            "document.getElementById('traffic-blue').value = '90';
             document.getElementById('traffic-green').value = '10';
             document.getElementById('traffic-green').dispatchEvent(new Event('input', {bubbles: true}));
             document.querySelector('#traffic-form button[type=submit]').click();",
        )
        .await;
    let notice = text(&mut browser, ".notice").await;
    assert_eq!(notice, "Traffic updated.");
    let live = text(&mut browser, "#live-traffic").await;
    assert_eq!(live, "Live: blue 90 % · green 10 %");
    let (_, endpoint, _) = w
        .arm("GET", &format!("onlineEndpoints/{ENDPOINT}"), None)
        .await;
    assert_eq!(
        endpoint["properties"]["traffic"],
        json!({"blue": 90, "green": 10})
    );
    assert_eq!(endpoint["properties"]["provisioningState"], "Succeeded");
    capture(&mut browser, "details", &shots).await;

    // The next 100 calls split 90/10 within ±3 %.
    let sample: Value =
        serde_json::from_str(&std::fs::read_to_string(assets().join("sample.json")).unwrap())
            .unwrap();
    let mut green = 0;
    for _ in 0..100 {
        let (status, body, answered) = w.score(ENDPOINT, &key, None, &sample).await;
        sent += 1;
        assert_eq!(status, 200, "{body}");
        if answered == "green" {
            green += 1;
        }
    }
    assert!((7..=13).contains(&green), "green answered {green} of 100");

    // The Test tab: the model's prediction for the tutorial's sample.
    browser.goto(&format!("{details}/test")).await;
    browser
        .submit(&format!(
            "document.getElementById('body').value = {};
             document.getElementById('deployment').value = 'green';
             document.querySelector('#test-form button[type=submit]').click();",
            json!(sample.to_string())
        ))
        .await;
    sent += 1;
    assert_eq!(text(&mut browser, "#result-status").await, "200");
    assert_eq!(text(&mut browser, "#result-deployment").await, "green");
    let decoded: Value = serde_json::from_str(&text(&mut browser, "#result-decoded").await)
        .expect("the decoded prediction is JSON");
    assert_eq!(
        decoded["predictions"].as_array().map(Vec::len),
        Some(2),
        "{decoded}"
    );
    assert_eq!(
        decoded["probabilities"].as_array().map(Vec::len),
        Some(2),
        "{decoded}"
    );
    capture(&mut browser, "test", &shots).await;

    // Monitoring: the request chart counts exactly the calls this test sent.
    let monitoring = format!("{details}/monitoring");
    let deadline = Instant::now() + Duration::from_secs(60);
    let points = |chart: &str| format!("Number(document.getElementById('{chart}').dataset.points)");
    let total = loop {
        browser.goto(&monitoring).await;
        let total = browser
            .eval("Number(document.getElementById('chart-requests').dataset.total)")
            .await
            .as_f64()
            .unwrap_or(-1.0);
        // CPU and memory are sampled every few seconds: wait for a sample of each instance.
        let mut sampled = true;
        for chart in ["chart-cpu", "chart-memory"] {
            let legend = text(&mut browser, &format!("#{chart} .legend")).await;
            sampled &= legend.contains("blue") && legend.contains("green");
        }
        let ready = total == sent as f64 && sampled;
        if ready || Instant::now() > deadline {
            break total;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    // Every instance of both deployments has CPU and memory points; both have a count.
    for chart in ["chart-cpu", "chart-memory", "chart-instances"] {
        let legend = text(&mut browser, &format!("#{chart} .legend")).await;
        assert!(
            legend.contains("blue") && legend.contains("green"),
            "{chart}: {legend}"
        );
        let n = browser.eval(&points(chart)).await.as_u64().unwrap_or(0);
        assert!(n > 0, "{chart} has no points");
    }
    let latency = text(&mut browser, "#chart-latency .legend").await;
    assert!(
        latency.contains("P50") && latency.contains("P90") && latency.contains("P99"),
        "{latency}"
    );
    let autoscale = text(&mut browser, "#autoscale").await;
    assert!(autoscale.contains("churn-autoscale"), "{autoscale}");
    assert!(
        autoscale.contains("CpuUtilizationPercentage > 70"),
        "{autoscale}"
    );
    assert!(
        autoscale.contains("instances 1 to 5, default 1"),
        "{autoscale}"
    );
    assert_eq!(total, sent as f64, "the request chart's total");
    let caption = text(&mut browser, "#chart-requests figcaption").await;
    assert!(
        caption.contains(&format!("total {sent} requests")),
        "{caption}"
    );
    // The same number the metrics API answers for the same window.
    let (status, metrics, _) = w
        .arm(
            "GET",
            &format!("onlineEndpoints/{ENDPOINT}/providers/Microsoft.Insights/metrics?metricnames=RequestsPerMinute&aggregation=Total&interval=FULL&timespan=PT1H"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{metrics}");
    let api_total: f64 = metrics["value"][0]["timeseries"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["data"].as_array().into_iter().flatten())
        .filter_map(|p| p["total"].as_f64())
        .sum();
    assert_eq!(api_total, sent as f64, "{metrics}");
    // The 10-second view counts them too (they all fell in its ten minutes).
    browser.goto(&format!("{monitoring}?view=10s")).await;
    let fine = browser
        .eval("Number(document.getElementById('chart-requests').dataset.total)")
        .await
        .as_f64()
        .unwrap_or(-1.0);
    assert_eq!(fine, sent as f64, "the 10-second chart's total");
    capture(&mut browser, "monitoring", &shots).await;

    // Logs: the model's own output, and follow polls for more.
    browser
        .goto(&format!("{details}/logs?deployment=blue&tail=5000"))
        .await;
    let log = text(&mut browser, "#log").await;
    assert!(log.contains("Model loaded from"), "{log}");
    browser
        .eval("document.getElementById('follow').click(); true")
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let polled = browser
            .eval("performance.getEntriesByType('resource').filter(r => r.name.includes('/logs.txt')).length")
            .await
            .as_u64()
            .unwrap_or(0);
        if polled >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "follow never re-read the log");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    capture(&mut browser, "logs", &shots).await;

    // Weights and first paint, each page loaded five times (the first load of the stylesheet
    // and script is counted where it happened; later loads come from the cache).
    let pages = [
        ("endpoints", home.clone()),
        ("details", details.clone()),
        ("test", format!("{details}/test")),
        ("monitoring", monitoring.clone()),
        ("logs", format!("{details}/logs?deployment=blue")),
    ];
    let weights = timings(&mut browser, &pages, 5).await;

    // Our own pages raised no console errors (a CSP violation would show here).
    let errors = browser.errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");

    // Without the token: the browser forgets its cookie; the form is refused, nothing moves.
    browser.call("Network.enable", json!({})).await;
    browser.call("Network.clearBrowserCookies", json!({})).await;
    browser.goto(&details).await;
    assert!(text(&mut browser, ".top").await.contains("Read-only"));
    browser
        .submit(
            "document.getElementById('traffic-blue').value = '50';
             document.getElementById('traffic-green').value = '50';
             document.querySelector('#traffic-form button[type=submit]').click();",
        )
        .await;
    assert_eq!(
        browser.eval("document.title").await,
        json!("Change refused · Studio (offline)")
    );
    let refused = text(&mut browser, ".notice").await;
    assert!(
        refused.contains("needs this run's studio token"),
        "{refused}"
    );
    let (_, endpoint, _) = w
        .arm("GET", &format!("onlineEndpoints/{ENDPOINT}"), None)
        .await;
    assert_eq!(
        endpoint["properties"]["traffic"],
        json!({"blue": 90, "green": 10})
    );

    browser.close().await;
    assert!(
        !browser_support::group_alive(pid),
        "Chromium's processes outlived the test"
    );
    for (page, html, assets, fcp) in &weights {
        assert!(*html > 0 && *html < 200_000, "{page}: page weight {html}");
        assert!(*assets < 50_000, "{page}: css+js {assets}");
        assert!(*fcp >= 0.0, "{page}: first contentful paint measured");
    }
    w.ws.shutdown().await;
}
