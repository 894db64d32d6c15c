// What policies look at of the object under admission, and which of those facts a policy set reads. A
// leaf module: the Kyverno matcher and variables use these types without importing workload.ts.

/** A Kubernetes object under admission, reduced to what policies look at. */
export interface ResourceContext {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Labels of the resource's namespace (namespaceSelector, policy-controller opt-in). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /**
   * The whole object as admitted (`request.object` for Kyverno preconditions and context variables);
   * absent when only the facts above are known.
   */
  readonly object?: unknown;
}

/**
 * Which facts of the resource under admission, beyond apiVersion, kind, namespace and namespace labels,
 * a policy's decision can depend on. The webhook's verdict cache keys on exactly these.
 */
export interface ResourceReads {
  readonly labels: boolean;
  readonly annotations: boolean;
  readonly name: boolean;
  readonly operation: boolean;
  /** The whole object (preconditions, context variables, conditions on `request`). */
  readonly object: boolean;
}
