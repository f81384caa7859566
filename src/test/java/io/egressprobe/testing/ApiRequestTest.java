package io.egressprobe.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cases of kubernetes' {@code staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo_test.go}
 * ({@code TestGetAPIRequestInfo}, {@code TestFieldSelectorParsing}'s valid selectors), and the requests the daemon
 * makes. Left out: PATCH of a Namespace object ({@code /api/v1/namespaces/new-namespace}), whose namespace the stored
 * test expects empty while the stored function sets it; the daemon never touches Namespaces.
 */
class ApiRequestTest {
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            GET    | /api/v1/namespaces                                 | list             | ''         | ''    | namespaces | ''        | ''
            GET    | /api/v1/namespaces/other                           | get              | ''         | other | namespaces | ''        | other
            GET    | /api/v1/namespaces/other/pods                      | list             | ''         | other | pods       | ''        | ''
            GET    | /api/v1/namespaces/other/pods/foo                  | get              | ''         | other | pods       | ''        | foo
            HEAD   | /api/v1/namespaces/other/pods/foo                  | get              | ''         | other | pods       | ''        | foo
            GET    | /api/v1/pods                                       | list             | ''         | ''    | pods       | ''        | ''
            HEAD   | /api/v1/pods                                       | list             | ''         | ''    | pods       | ''        | ''
            GET    | /api/v1/proxy/namespaces/other/pods/foo            | proxy            | ''         | other | pods       | ''        | foo
            GET    | /api/v1/watch/pods                                 | watch            | ''         | ''    | pods       | ''        | ''
            GET    | /api/v1/pods?watch=true                            | watch            | ''         | ''    | pods       | ''        | ''
            GET    | /api/v1/pods?watch=false                           | list             | ''         | ''    | pods       | ''        | ''
            GET    | /api/v1/watch/namespaces/other/pods                | watch            | ''         | other | pods       | ''        | ''
            GET    | /api/v1/namespaces/other/pods?watch=1              | watch            | ''         | other | pods       | ''        | ''
            GET    | /api/v1/namespaces/other/pods?watch=0              | list             | ''         | other | pods       | ''        | ''
            GET    | /api/v1/namespaces/other/pods/foo/status           | get              | ''         | other | pods       | status    | foo
            GET    | /api/v1/namespaces/other/pods/foo/proxy/subpath    | get              | ''         | other | pods       | proxy     | foo
            PUT    | /api/v1/namespaces/other/finalize                  | update           | ''         | other | namespaces | finalize  | other
            PUT    | /api/v1/namespaces/other/status                    | update           | ''         | other | namespaces | status    | other
            PATCH  | /api/v1/namespaces/other/pods/foo                  | patch            | ''         | other | pods       | ''        | foo
            DELETE | /api/v1/namespaces/other/pods/foo                  | delete           | ''         | other | pods       | ''        | foo
            POST   | /api/v1/namespaces/other/pods                      | create           | ''         | other | pods       | ''        | ''
            DELETE | /api/v1/nodes                                      | deletecollection | ''         | ''    | nodes      | ''        | ''
            DELETE | /api/v1/namespaces/other/pods                      | deletecollection | ''         | other | pods       | ''        | ''
            DELETE | /apis/extensions/v1/namespaces/other/pods          | deletecollection | extensions | other | pods       | ''        | ''
            POST   | /apis/extensions/v1/namespaces/other/pods          | create           | extensions | other | pods       | ''        | ''
            POST   | /apis/extensions/v1beta3/namespaces/other/pods     | create           | extensions | other | pods       | ''        | ''
            GET    | /apis/group/version/resource                       | list             | group      | ''    | resource   | ''        | ''
            GET    | /apis/group/version/resource?fieldSelector=metadata.name=name1 | list | group | '' | resource | '' | name1
            GET    | /apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1 | watch | group | '' | resource | '' | name1
            GET    | /apis/group/version/resource?fieldSelector=foo=bar | list             | group      | ''    | resource   | ''        | ''
            GET    | /apis/networking.istio.io/v1/destinationrules?resourceVersion=0 | list | networking.istio.io | '' | destinationrules | '' | ''
            GET    | /apis/networking.istio.io/v1/destinationrules?allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=600&watch=true | watch | networking.istio.io | '' | destinationrules | '' | ''
            GET    | /api/v1/namespaces/istio-system/configmaps/istio   | get              | ''         | istio-system | configmaps | '' | istio
            """)
    void shouldMapARequestToItsVerbAsTheApiServerDoes(String method, String url, String verb, String group, String namespace,
                                                        String resource, String subresource, String name) {
        ApiRequest r = ApiRequest.of(method, url);

        assertThat(r.resourceRequest()).isTrue();
        assertThat(r).isEqualTo(new ApiRequest(true, verb, group, namespace, resource, subresource, name));
    }

    @ParameterizedTest
    @CsvSource({"/", "/api/version/", "/apis/group/version/", "/badprefix/version/resource", "/apis/version/resource",
            "/not-api/version/resource", "/apis/extensions/v1beta1", "/api/version", "/api", "/healthz", "/version"})
    void shouldTellNonResourceRequests(String url) {
        assertThat(ApiRequest.of("GET", url).resourceRequest()).isFalse();
    }
}
