// A service worker script that fails as it loads, as one with a bad import would.
throw new Error('the script broke as it loaded')
