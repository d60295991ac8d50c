// Which collection a delivery belongs to and where its files are: a read the submission
// extension answers (it owns the deliveries), wired in by the composition root, since
// extensions never import each other. ExecutePipeline asks it by delivery ID and never takes a
// key from its input.

/** Where a stored delivery is: its collection, and the object-key prefix of its files. */
export interface DeliveryLocation {
  collectionId: string;
  /** The student (or staff member) who handed it in: `grading.completed` names them. */
  userId: string;
  filesPrefix: string;
  /** The code of the collection's course (a metrics label); absent when not known. */
  courseCode?: string;
}

/** Looks a delivery up by ID; null when no delivery has it. */
export interface DeliveryLocator {
  locate(deliveryId: string): Promise<DeliveryLocation | null>;
  /** Several at once (one read), by delivery ID; those that do not exist are missing. */
  locateMany?(deliveryIds: readonly string[]): Promise<Map<string, DeliveryLocation>>;
}
